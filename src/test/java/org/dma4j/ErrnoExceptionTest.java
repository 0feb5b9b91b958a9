package org.dma4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ErrnoExceptionTest {
    static final ErrnoException EBUSY =
            new ErrnoException("open /dev/vfio/7", 16, "EBUSY", "Device or resource busy", null);

    @Test
    void errnoIsTyped() {
        assertEquals(Errno.EBUSY, EBUSY.errno());
        assertEquals(16, EBUSY.errnoValue());
        assertTrue(EBUSY.is(Errno.EBUSY));
        assertFalse(EBUSY.is(Errno.EINVAL));
        ErrnoException internal =
                new ErrnoException("ioctl X on /dev/null", 524, "errno 524", "Unknown error 524", null);
        assertEquals(Errno.UNKNOWN, internal.errno());
        assertEquals(524, internal.errnoValue());
    }

    /** Rewrapping with a better hint keeps the errno typed (it used to become a plain Dma4jException). */
    @Test
    void withHintKeepsEverythingButTheHint() {
        ErrnoException e = EBUSY.withHint("another process owns the group");
        assertEquals(Errno.EBUSY, e.errno());
        assertEquals("open /dev/vfio/7", e.operation());
        assertEquals("Device or resource busy", e.description());
        assertEquals(Optional.of("another process owns the group"), e.hint());
        assertEquals(
                "failed to open /dev/vfio/7: Device or resource busy (EBUSY); another process owns the group",
                e.getMessage());
        assertSame(EBUSY, e.getCause());
    }
}
