package org.dma4j.robust;

import org.junit.jupiter.api.Tag;

/** The soak over the iommufd backend in its guest. */
@Tag("iommufd")
class IommufdSoakTest extends GuestSoakContract {
    @Override
    String variant() {
        return "iommufd";
    }
}
