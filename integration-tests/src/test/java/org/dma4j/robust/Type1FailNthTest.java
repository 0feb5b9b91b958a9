package org.dma4j.robust;

import org.junit.jupiter.api.Tag;

/** fail_nth over the type1 backend in its guest. */
@Tag("type1")
class Type1FailNthTest extends GuestFailNthContract {
    @Override
    String variant() {
        return "type1";
    }

    @Override
    String backend() {
        return "type1";
    }
}
