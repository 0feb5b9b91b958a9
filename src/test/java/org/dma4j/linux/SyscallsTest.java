package org.dma4j.linux;

import static org.dma4j.linux.gen.libc.libc_h.MADV_DONTFORK;
import static org.dma4j.linux.gen.libc.libc_h.MAP_ANONYMOUS;
import static org.dma4j.linux.gen.libc.libc_h.MAP_PRIVATE;
import static org.dma4j.linux.gen.libc.libc_h.O_RDONLY;
import static org.dma4j.linux.gen.libc.libc_h.O_RDWR;
import static org.dma4j.linux.gen.libc.libc_h.PROT_READ;
import static org.dma4j.linux.gen.libc.libc_h.PROT_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.dma4j.Errno;
import org.dma4j.ErrnoException;
import org.junit.jupiter.api.Test;

/** Real failing system calls: each error must carry the operation, errno name and strerror text. */
class SyscallsTest {

    private static void assertErrno(ErrnoException e, String name, String operationPart) {
        assertEquals(name, e.errnoName(), e.getMessage());
        assertEquals(Errno.valueOf(name), e.errno());
        assertTrue(e.is(Errno.valueOf(name)));
        assertEquals(Errno.valueOf(name).value(), e.errnoValue());
        assertEquals(Syscalls.strerror(e.errnoValue()), e.description());
        assertTrue(e.operation().contains(operationPart), e.operation());
        assertTrue(
                e.getMessage().startsWith("failed to " + e.operation() + ": " + e.description() + " (" + name + ")"),
                e.getMessage());
    }

    @Test
    void openOfMissingFileIsENOENT() {
        var e = assertThrows(ErrnoException.class, () -> Syscalls.open("/nonexistent/dma4j-test", O_RDWR()));
        assertErrno(e, "ENOENT", "open /nonexistent/dma4j-test");
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
    }

    @Test
    void ioctlOnBadFdIsEBADF() {
        var e = assertThrows(ErrnoException.class, () -> Syscalls.ioctl(-1, "fd -1", Ioctls.VFIO_GET_API_VERSION, 0L));
        assertErrno(e, "EBADF", "ioctl VFIO_GET_API_VERSION on fd -1");
    }

    @Test
    void vfioIoctlOnWrongDeviceIsENOTTY() {
        try (Fd fd = Fd.open("/dev/null", O_RDWR())) {
            var e = assertThrows(ErrnoException.class, () -> fd.ioctl(Ioctls.VFIO_GET_API_VERSION, 0L));
            assertErrno(e, "ENOTTY", "ioctl VFIO_GET_API_VERSION on /dev/null");
            try (Arena a = Arena.ofConfined()) {
                MemorySegment arg = a.allocate(64);
                var e2 = assertThrows(ErrnoException.class, () -> fd.ioctl(Ioctls.IOMMU_IOAS_ALLOC, arg));
                assertErrno(e2, "ENOTTY", "IOMMU_IOAS_ALLOC");
            }
        }
    }

    @Test
    void readIntoUnmappedRegionIsEFAULT() {
        long page = Syscalls.pageSize();
        MemorySegment gone;
        try (Arena a = Arena.ofConfined()) {
            gone = Syscalls.mmap(
                    page, PROT_READ() | PROT_WRITE(), MAP_PRIVATE() | MAP_ANONYMOUS(), -1, 0, a, "a test page");
        } // unmapped here
        MemorySegment unmapped = Syscalls.ofAddress(gone.address(), page);
        try (Fd zero = Fd.open("/dev/zero", O_RDONLY())) {
            var e = assertThrows(ErrnoException.class, () -> zero.pread(unmapped, 0));
            assertErrno(e, "EFAULT", "of /dev/zero");
        }
        var e = assertThrows(ErrnoException.class, () -> Syscalls.mlock(unmapped));
        assertErrno(e, "ENOMEM", "lock " + page + " bytes");
        assertTrue(e.hint().orElseThrow().contains("RLIMIT_MEMLOCK is"), e.getMessage());
        var e2 = assertThrows(ErrnoException.class, () -> Syscalls.madvise(unmapped, MADV_DONTFORK(), "MADV_DONTFORK"));
        assertErrno(e2, "ENOMEM", "madvise MADV_DONTFORK");
    }

    @Test
    void mmapWithoutSharingTypeIsEINVAL() {
        try (Arena a = Arena.ofConfined()) {
            var e = assertThrows(
                    ErrnoException.class,
                    () -> Syscalls.mmap(4096, PROT_READ(), MAP_ANONYMOUS(), -1, 0, a, "a bad mapping"));
            assertErrno(e, "EINVAL", "map 4096 bytes of a bad mapping");
            assertThrows(
                    IllegalArgumentException.class,
                    () -> Syscalls.mmap(0, PROT_READ(), MAP_PRIVATE() | MAP_ANONYMOUS(), -1, 0, a, "nothing"));
        }
    }

    @Test
    void closeOfBadFdIsEBADF() {
        var e = assertThrows(ErrnoException.class, () -> Syscalls.close(-1, "fd -1"));
        assertErrno(e, "EBADF", "close fd -1");
    }

    @Test
    void mappedLockedMemoryWorks() {
        long page = Syscalls.pageSize();
        assertEquals(0, page & (page - 1), "page size is a power of two");
        assertTrue(page >= 4096);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = Syscalls.mmap(
                    2 * page, PROT_READ() | PROT_WRITE(), MAP_PRIVATE() | MAP_ANONYMOUS(), -1, 0, a, "two pages");
            assertEquals(2 * page, m.byteSize());
            Syscalls.mlock(m);
            m.set(ValueLayout.JAVA_LONG, page, 0x1234_5678_9abc_def0L);
            assertEquals(0x1234_5678_9abc_def0L, m.get(ValueLayout.JAVA_LONG, page));
            Syscalls.munlock(m);
        }
    }

    @Test
    void eventfdCountsWrites() {
        try (Fd efd = Fd.adopt(Syscalls.eventfd(0, 0), "eventfd");
                Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ValueLayout.JAVA_LONG);
            v.set(ValueLayout.JAVA_LONG, 0, 3);
            assertEquals(8, Syscalls.write(efd.raw(), v, efd.name()));
            assertEquals(8, Syscalls.write(efd.raw(), v, efd.name()));
            v.set(ValueLayout.JAVA_LONG, 0, 0);
            assertEquals(8, Syscalls.read(efd.raw(), v, efd.name()));
            assertEquals(6, v.get(ValueLayout.JAVA_LONG, 0));
            // A short buffer is refused by the kernel, not read partially.
            var e = assertThrows(ErrnoException.class, () -> Syscalls.read(efd.raw(), v.asSlice(0, 4), efd.name()));
            assertErrno(e, "EINVAL", "read eventfd");
        }
    }

    @Test
    void memfdIsAFile() {
        try (Fd fd = Fd.adopt(Syscalls.memfdCreate("dma4j-test", 0), "memfd");
                Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(16);
            assertEquals(0, fd.pread(buf, 0), "a new memfd is empty");
        }
    }

    @Test
    void strerrorAndNames() {
        assertEquals("Device or resource busy", Syscalls.strerror(Errno.EBUSY.value()));
        assertEquals("EBUSY", Errno.nameOf(16));
        assertEquals("EAGAIN", Errno.nameOf(Errno.EAGAIN.value()), "the canonical name wins over EWOULDBLOCK");
        assertEquals("errno 9999", Errno.nameOf(9999));
        assertEquals(
                Errno.UNKNOWN,
                Syscalls.failure("ioctl X on /dev/null", 524, null).errno(),
                "ENOTSUPP is kernel-internal");
        assertEquals(524, Syscalls.failure("ioctl X on /dev/null", 524, null).errnoValue());
    }

    @Test
    void rlimitIsReadable() {
        var l = Syscalls.getrlimit(org.dma4j.linux.gen.libc.libc_h.RLIMIT_MEMLOCK());
        assertTrue(l.maximum() == Syscalls.Rlimit.INFINITY || l.current() <= l.maximum());
        assertEquals("8 MiB", Syscalls.Rlimit.describe(8L << 20));
        assertEquals("unlimited", Syscalls.Rlimit.describe(Syscalls.Rlimit.INFINITY));
        assertEquals("65 bytes", Syscalls.Rlimit.describe(65));
    }
}
