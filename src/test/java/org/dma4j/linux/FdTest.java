package org.dma4j.linux;

import static org.dma4j.linux.gen.libc.libc_h.O_RDONLY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dma4j.AlreadyClosedException;
import org.dma4j.Errno;
import org.dma4j.ErrnoException;
import org.junit.jupiter.api.Test;

class FdTest {
    @Test
    void closeTwiceIsHarmlessAndUseAfterCloseThrows() {
        Fd fd = Fd.open("/dev/null", O_RDONLY());
        int raw = fd.raw();
        assertTrue(raw >= 0 && fd.isOpen());
        fd.close();
        fd.close();
        assertFalse(fd.isOpen());
        var e = assertThrows(AlreadyClosedException.class, fd::raw);
        assertEquals("/dev/null is already closed", e.getMessage());
        assertThrows(AlreadyClosedException.class, () -> fd.ioctl(Ioctls.VFIO_GET_API_VERSION, 0L));
        // The kernel really released it: the old number is no longer a valid descriptor
        // (unless another thread reused it, which this test's single thread does not).
        var bad = assertThrows(ErrnoException.class, () -> Syscalls.close(raw, "released fd"));
        assertEquals(Errno.EBADF, bad.errno());
    }

    @Test
    void preadReadsAtOffset(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve("data");
        Files.writeString(f, "0123456789");
        try (Fd fd = Fd.open(f.toString(), O_RDONLY());
                Arena a = Arena.ofConfined()) {
            var buf = a.allocate(4);
            assertEquals(4, fd.pread(buf, 3));
            assertEquals("3456", new String(buf.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
            assertEquals(0, fd.pread(buf, 100));
        }
        try (Fd fd = Fd.open(f.toString(), org.dma4j.linux.gen.libc.libc_h.O_RDWR());
                Arena a = Arena.ofConfined()) {
            assertEquals(
                    3,
                    fd.pwrite(
                            a.allocateFrom("abc", java.nio.charset.StandardCharsets.US_ASCII)
                                    .asSlice(0, 3),
                            8));
        }
        assertEquals("01234567abc", Files.readString(f));
        try (Fd ro = Fd.open(f.toString(), O_RDONLY());
                Arena a = Arena.ofConfined()) {
            var e = assertThrows(ErrnoException.class, () -> ro.pwrite(a.allocate(1), 0));
            assertEquals(Errno.EBADF, e.errno());
        }
    }

    @Test
    void adoptRejectsNegative() {
        assertThrows(IllegalArgumentException.class, () -> Fd.adopt(-1, "nothing"));
    }
}
