package org.dma4j.robust;

import org.junit.jupiter.api.Tag;

/** fail_nth over the noiommu backend in its guest. */
@Tag("noiommu")
class NoIommuFailNthTest extends GuestFailNthContract {
    @Override
    String variant() {
        return "noiommu";
    }

    @Override
    String backend() {
        return "noiommu";
    }
}
