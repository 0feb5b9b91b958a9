package org.dma4j.robust;

import org.junit.jupiter.api.Tag;

/** The soak over the type1 backend in its guest. */
@Tag("type1")
class Type1SoakTest extends GuestSoakContract {
    @Override
    String variant() {
        return "type1";
    }
}
