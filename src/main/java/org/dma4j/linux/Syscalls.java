package org.dma4j.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import org.dma4j.Dma4jException;
import org.dma4j.Errno;
import org.dma4j.ErrnoException;
import org.dma4j.linux.gen.libc.libc_h;
import org.dma4j.linux.gen.libc.rlimit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one class that makes system calls, and the one place that calls restricted FFM methods.
 * Each method binds the jextract-generated address and descriptor of a libc function with
 * {@code errno} captured ({@link Linker.Option#captureCallState}); a failing call throws an
 * {@link ErrnoException} naming the operation, the errno and its {@code strerror} text.
 *
 * <p>Thread-safe: the errno capture buffer is per thread. Raw file descriptors are owned by
 * the caller; {@link Fd} is the owning wrapper.
 */
public final class Syscalls {
    private static final Logger LOG = LoggerFactory.getLogger(Syscalls.class);
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    /**
     * {@code #define MAP_FAILED ((void *) -1)} from {@code <sys/mman.h>}: jextract drops
     * pointer-valued macros.
     */
    static final long MAP_FAILED = -1L;

    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle IOCTL_PTR;
    private static final MethodHandle IOCTL_LONG;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MLOCK;
    private static final MethodHandle MUNLOCK;
    private static final MethodHandle MADVISE;
    private static final MethodHandle PREAD;
    private static final MethodHandle PWRITE;
    private static final MethodHandle READ;
    private static final MethodHandle WRITE;
    private static final MethodHandle MEMFD_CREATE;
    private static final MethodHandle EVENTFD;
    private static final MethodHandle SYSCONF;
    private static final MethodHandle GETRLIMIT;
    private static final MethodHandle STRERROR;

    static {
        Module self = Syscalls.class.getModule();
        String who = self.isNamed() ? self.getName() : "ALL-UNNAMED";
        if (!self.isNativeAccessEnabled()) {
            LOG.warn("native access is not enabled for {}; run java with --enable-native-access={}", who, who);
        }
        try {
            // open(const char *, int, ...) and ioctl(int, unsigned long, ...) are variadic.
            OPEN = capturing(
                    libc_h.open.address(),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                    Linker.Option.firstVariadicArg(2));
            IOCTL_PTR = capturing(
                    libc_h.ioctl.address(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
                    Linker.Option.firstVariadicArg(2));
            IOCTL_LONG = capturing(
                    libc_h.ioctl.address(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
                    Linker.Option.firstVariadicArg(2));
            CLOSE = capturing(libc_h.close$address(), libc_h.close$descriptor());
            MMAP = capturing(libc_h.mmap$address(), libc_h.mmap$descriptor());
            MUNMAP = capturing(libc_h.munmap$address(), libc_h.munmap$descriptor());
            MLOCK = capturing(libc_h.mlock$address(), libc_h.mlock$descriptor());
            MUNLOCK = capturing(libc_h.munlock$address(), libc_h.munlock$descriptor());
            MADVISE = capturing(libc_h.madvise$address(), libc_h.madvise$descriptor());
            PREAD = capturing(libc_h.pread$address(), libc_h.pread$descriptor());
            PWRITE = capturing(libc_h.pwrite$address(), libc_h.pwrite$descriptor());
            READ = capturing(libc_h.read$address(), libc_h.read$descriptor());
            WRITE = capturing(libc_h.write$address(), libc_h.write$descriptor());
            MEMFD_CREATE = capturing(libc_h.memfd_create$address(), libc_h.memfd_create$descriptor());
            EVENTFD = capturing(libc_h.eventfd$address(), libc_h.eventfd$descriptor());
            SYSCONF = capturing(libc_h.sysconf$address(), libc_h.sysconf$descriptor());
            GETRLIMIT = capturing(libc_h.getrlimit$address(), libc_h.getrlimit$descriptor());
            STRERROR = LINKER.downcallHandle(libc_h.strerror$address(), libc_h.strerror$descriptor());
        } catch (IllegalCallerException e) {
            throw new Dma4jException(
                    "native access is denied to " + who + "; run java with --enable-native-access=" + who, e);
        }
    }

    private Syscalls() {}

    /** Bytes mapped by {@link #mmap} and not yet unmapped by {@link #munmap}: what a leak check compares. */
    private static final java.util.concurrent.atomic.LongAdder MAPPED_BYTES =
            new java.util.concurrent.atomic.LongAdder();

    /** How many bytes {@link #mmap} has mapped that {@link #munmap} has not unmapped (leak checks). */
    public static long mappedBytes() {
        return MAPPED_BYTES.sum();
    }

    private static MethodHandle capturing(MemorySegment address, FunctionDescriptor fd, Linker.Option... more) {
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(more, 0, options, 1, more.length);
        return LINKER.downcallHandle(address, fd, options);
    }

    private static MemorySegment capture() {
        return CAPTURE.get();
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /** The C library's description of an errno value ({@code strerror}). */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The exception for a call that failed with {@code errno}. */
    public static ErrnoException failure(String operation, int errno, String hint) {
        return new ErrnoException(operation, errno, Errno.nameOf(errno), strerror(errno), hint);
    }

    /** A generic fix for permission errors, which every device-file operation shares. */
    private static String hintFor(int errno, String operation) {
        if (errno == libc_h.EACCES() || errno == libc_h.EPERM()) {
            return "run as root, or give this user access (" + operation + ")";
        }
        return null;
    }

    /** The errno a test's {@link SyscallFaults} session injects into this call, or 0 (always, when none is open). */
    private static int injected(SyscallFaults.Kind kind) {
        SyscallFaults.Session s = SyscallFaults.active;
        return s == null ? 0 : SyscallFaults.check(s, kind);
    }

    private static ErrnoException fail(String operation, MemorySegment capture) {
        int e = errno(capture);
        return failure(operation, e, hintFor(e, operation));
    }

    // --- files -------------------------------------------------------------------------------

    /** {@code open(path, flags | O_CLOEXEC)}; returns the new fd, which the caller owns. */
    public static int open(String path, int flags) {
        MemorySegment c = capture();
        int injected = injected(SyscallFaults.Kind.OPEN);
        if (injected != 0) { // the message is built only when a test injects a fault
            throw failure("open " + path, injected, null);
        }
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(c, a.allocateFrom(path), flags | libc_h.O_CLOEXEC(), 0);
            if (fd < 0) {
                throw fail("open " + path, c);
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code close(fd)}. The fd is released even when this throws (Linux semantics). */
    public static void close(int fd, String name) {
        MemorySegment c = capture();
        try {
            int injected = injected(SyscallFaults.Kind.CLOSE);
            if ((int) CLOSE.invokeExact(c, fd) < 0) {
                throw fail("close " + name, c);
            }
            if (injected != 0) {
                throw failure("close " + name, injected, null);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code pread}: reads up to {@code buf.byteSize()} bytes at {@code offset}; returns the count (0 at end of file). */
    public static long pread(int fd, MemorySegment buf, long offset, String name) {
        MemorySegment c = capture();
        int injected = injected(SyscallFaults.Kind.READ);
        if (injected != 0) { // the message is built only when a test injects a fault
            throw failure("read " + name, injected, null);
        }
        try {
            long n = (long) PREAD.invokeExact(c, fd, buf, buf.byteSize(), offset);
            if (n < 0) {
                throw fail("read " + buf.byteSize() + " bytes at offset " + offset + " of " + name, c);
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code pwrite}: writes up to {@code buf.byteSize()} bytes at {@code offset}; returns the count. */
    public static long pwrite(int fd, MemorySegment buf, long offset, String name) {
        MemorySegment c = capture();
        int injected = injected(SyscallFaults.Kind.WRITE);
        if (injected != 0) { // the message is built only when a test injects a fault
            throw failure("write " + name, injected, null);
        }
        try {
            long n = (long) PWRITE.invokeExact(c, fd, buf, buf.byteSize(), offset);
            if (n < 0) {
                throw fail("write " + buf.byteSize() + " bytes at offset " + offset + " of " + name, c);
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code read}: reads up to {@code buf.byteSize()} bytes; returns the count. */
    public static long read(int fd, MemorySegment buf, String name) {
        MemorySegment c = capture();
        int injected = injected(SyscallFaults.Kind.READ);
        if (injected != 0) { // the message is built only when a test injects a fault
            throw failure("read " + name, injected, null);
        }
        try {
            long n = (long) READ.invokeExact(c, fd, buf, buf.byteSize());
            if (n < 0) {
                throw fail("read " + name, c);
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code read} on a non-blocking descriptor: the count read, or -1 when nothing is there
     * ({@code EAGAIN}) — without building an exception, so that polling loops allocate nothing.
     */
    public static long tryRead(int fd, MemorySegment buf, String name) {
        MemorySegment c = capture();
        int injected = injected(SyscallFaults.Kind.READ);
        if (injected != 0) { // the message is built only when a test injects a fault
            throw failure("read " + name, injected, null);
        }
        try {
            long n = (long) READ.invokeExact(c, fd, buf, buf.byteSize());
            if (n < 0) {
                if (errno(c) == libc_h.EAGAIN()) {
                    return -1;
                }
                throw fail("read " + name, c);
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code write}: writes up to {@code buf.byteSize()} bytes; returns the count. */
    public static long write(int fd, MemorySegment buf, String name) {
        MemorySegment c = capture();
        int injected = injected(SyscallFaults.Kind.WRITE);
        if (injected != 0) { // the message is built only when a test injects a fault
            throw failure("write " + name, injected, null);
        }
        try {
            long n = (long) WRITE.invokeExact(c, fd, buf, buf.byteSize());
            if (n < 0) {
                throw fail("write " + name, c);
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code memfd_create(name, flags | MFD_CLOEXEC)}; returns the new fd, which the caller owns. */
    public static int memfdCreate(String name, int flags) {
        MemorySegment c = capture();
        int injected = injected(SyscallFaults.Kind.MEMFD);
        if (injected != 0) { // the message is built only when a test injects a fault
            throw failure("create memfd " + name, injected, null);
        }
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) MEMFD_CREATE.invokeExact(c, a.allocateFrom(name), flags | libc_h.MFD_CLOEXEC());
            if (fd < 0) {
                throw fail("create memfd " + name, c);
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code eventfd(initval, flags | EFD_CLOEXEC)}; returns the new fd, which the caller owns. */
    public static int eventfd(int initval, int flags) {
        MemorySegment c = capture();
        int injected = injected(SyscallFaults.Kind.EVENTFD);
        if (injected != 0) { // the message is built only when a test injects a fault
            throw failure("create eventfd", injected, null);
        }
        try {
            int fd = (int) EVENTFD.invokeExact(c, initval, flags | libc_h.EFD_CLOEXEC());
            if (fd < 0) {
                throw fail("create eventfd", c);
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // --- ioctl -------------------------------------------------------------------------------

    /** {@code ioctl(fd, request, arg)} with a pointer argument; returns the call's non-negative result. */
    public static int ioctl(int fd, String name, IoctlRequest request, MemorySegment arg) {
        MemorySegment c = capture();
        int injected = injected(SyscallFaults.Kind.IOCTL);
        if (injected != 0) { // the message is built only when a test injects a fault
            throw failure("ioctl " + request.name() + " on " + name, injected, null);
        }
        try {
            int r = (int) IOCTL_PTR.invokeExact(c, fd, request.number(), arg);
            if (r < 0) {
                throw fail("ioctl " + request.name() + " on " + name, c);
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ioctl(fd, request, arg)} with an integer argument; returns the call's non-negative result. */
    public static int ioctl(int fd, String name, IoctlRequest request, long arg) {
        MemorySegment c = capture();
        int injected = injected(SyscallFaults.Kind.IOCTL);
        if (injected != 0) { // the message is built only when a test injects a fault
            throw failure("ioctl " + request.name() + " on " + name, injected, null);
        }
        try {
            int r = (int) IOCTL_LONG.invokeExact(c, fd, request.number(), arg);
            if (r < 0) {
                throw fail("ioctl " + request.name() + " on " + name, c);
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // --- memory ------------------------------------------------------------------------------

    /**
     * {@code mmap(NULL, length, prot, flags, fd, offset)}. The mapping is unmapped when
     * {@code owner} closes; the returned segment is {@code length} bytes long and valid until then.
     */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, Arena owner, String what) {
        if (length <= 0) {
            throw new IllegalArgumentException(
                    "cannot map " + length + " bytes of " + what + ": length must be positive");
        }
        MemorySegment c = capture();
        int injected = injected(SyscallFaults.Kind.MMAP);
        if (injected != 0) { // the message is built only when a test injects a fault
            throw failure("map " + length + " bytes of " + what, injected, null);
        }
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(c, MemorySegment.NULL, length, prot, flags, fd, offset);
            if (p.address() == MAP_FAILED) {
                throw fail("map " + length + " bytes of " + what, c);
            }
            long address = p.address();
            MAPPED_BYTES.add(length);
            return p.reinterpret(length, owner, unused -> munmapQuietly(address, length, what));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void munmapQuietly(long address, long length, String what) {
        try {
            munmap(MemorySegment.ofAddress(address), length, what);
        } catch (ErrnoException e) {
            LOG.warn("{}", e.getMessage());
        }
    }

    /** {@code munmap(address, length)}; most callers let the owning arena do this. */
    public static void munmap(MemorySegment address, long length, String what) {
        MemorySegment c = capture();
        try {
            int injected = injected(SyscallFaults.Kind.MUNMAP);
            if ((int) MUNMAP.invokeExact(c, address, length) < 0) {
                throw fail("unmap " + length + " bytes of " + what, c);
            }
            MAPPED_BYTES.add(-length);
            if (injected != 0) {
                throw failure("unmap " + length + " bytes of " + what, injected, null);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code mlock}: pins the pages of {@code seg} in RAM. */
    public static void mlock(MemorySegment seg) {
        MemorySegment c = capture();
        int injected = injected(SyscallFaults.Kind.MLOCK);
        if (injected != 0) { // the message is built only when a test injects a fault
            throw failure("lock " + seg.byteSize() + " bytes in memory", injected, null);
        }
        try {
            if ((int) MLOCK.invokeExact(c, seg, seg.byteSize()) < 0) {
                int e = errno(c);
                throw failure(
                        "lock " + seg.byteSize() + " bytes in memory",
                        e,
                        e == libc_h.ENOMEM() || e == libc_h.EPERM() ? memlockHint(seg.byteSize()) : null);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static String memlockHint(long wanted) {
        Rlimit l = getrlimit(libc_h.RLIMIT_MEMLOCK());
        return "RLIMIT_MEMLOCK is " + l.describeCurrent() + " and " + wanted
                + " more bytes were asked for; raise it (ulimit -l, or LimitMEMLOCK= for a service) or run as root";
    }

    /** {@code munlock}. */
    public static void munlock(MemorySegment seg) {
        MemorySegment c = capture();
        try {
            int injected = injected(SyscallFaults.Kind.MUNLOCK);
            if ((int) MUNLOCK.invokeExact(c, seg, seg.byteSize()) < 0) {
                throw fail("unlock " + seg.byteSize() + " bytes", c);
            }
            if (injected != 0) {
                throw failure("unlock " + seg.byteSize() + " bytes", injected, null);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code madvise(seg, advice)}. */
    public static void madvise(MemorySegment seg, int advice, String adviceName) {
        MemorySegment c = capture();
        int injected = injected(SyscallFaults.Kind.MADVISE);
        if (injected != 0) { // the message is built only when a test injects a fault
            throw failure("madvise " + adviceName + " on " + seg.byteSize() + " bytes", injected, null);
        }
        try {
            if ((int) MADVISE.invokeExact(c, seg, seg.byteSize(), advice) < 0) {
                throw fail("madvise " + adviceName + " on " + seg.byteSize() + " bytes", c);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // --- system ------------------------------------------------------------------------------

    /** {@code sysconf(name)}. */
    public static long sysconf(int name) {
        MemorySegment c = capture();
        try {
            ERRNO.set(c, 0L, 0);
            long v = (long) SYSCONF.invokeExact(c, name);
            if (v < 0 && errno(c) != 0) {
                throw fail("sysconf " + name, c);
            }
            return v;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The base page size ({@code sysconf(_SC_PAGESIZE)}). */
    public static long pageSize() {
        return sysconf(libc_h._SC_PAGESIZE());
    }

    /** A resource limit; {@link #INFINITY} stands for {@code RLIM_INFINITY}. */
    public record Rlimit(long current, long maximum) {
        public static final long INFINITY = libc_h.RLIM_INFINITY();

        /** The soft limit in words ("8 MiB", "unlimited"). */
        public String describeCurrent() {
            return describe(current);
        }

        /** The hard limit in words. */
        public String describeMaximum() {
            return describe(maximum);
        }

        /** A byte count in words ("8 MiB", "65 bytes"); RLIM_INFINITY is "unlimited". */
        public static String describe(long v) {
            if (v == INFINITY) {
                return "unlimited";
            }
            if (v >= (1L << 30) && v % (1L << 30) == 0) {
                return (v >> 30) + " GiB";
            }
            if (v >= (1L << 20) && v % (1L << 20) == 0) {
                return (v >> 20) + " MiB";
            }
            if (v >= 1024 && v % 1024 == 0) {
                return (v >> 10) + " KiB";
            }
            return v + " bytes";
        }
    }

    /** {@code getrlimit(resource)}. */
    public static Rlimit getrlimit(int resource) {
        MemorySegment c = capture();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment r = a.allocate(rlimit.layout());
            if ((int) GETRLIMIT.invokeExact(c, resource, r) < 0) {
                throw fail("getrlimit " + resource, c);
            }
            return new Rlimit(rlimit.rlim_cur(r), rlimit.rlim_max(r));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Reinterprets a native address the kernel handed us as a segment of {@code size} bytes. */
    public static MemorySegment ofAddress(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new Dma4jException("unexpected checked exception from a downcall", t);
    }
}
