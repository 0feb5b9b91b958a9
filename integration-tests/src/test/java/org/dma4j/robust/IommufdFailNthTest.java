package org.dma4j.robust;

import org.junit.jupiter.api.Tag;

/** fail_nth over the iommufd backend in its guest. */
@Tag("iommufd")
class IommufdFailNthTest extends GuestFailNthContract {
    @Override
    String variant() {
        return "iommufd";
    }

    @Override
    String backend() {
        return "iommufd";
    }
}
