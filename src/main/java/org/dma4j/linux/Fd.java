package org.dma4j.linux;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import org.dma4j.AlreadyClosedException;
import org.dma4j.ErrnoException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An open file descriptor and the name it was opened by (used in every error message).
 * The creator owns it and closes it; {@link #close()} is idempotent, and any other use
 * after close throws {@link AlreadyClosedException}. Safe to share between threads: the
 * kernel serialises what it must, and close races are resolved atomically here.
 */
public final class Fd implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Fd.class);
    private static final int CLOSED = -1;

    private final AtomicInteger fd;
    private final String name;

    private Fd(int fd, String name) {
        this.fd = new AtomicInteger(fd);
        this.name = name;
    }

    /** Opens {@code path} with {@code flags} (always close-on-exec). */
    public static Fd open(String path, int flags) {
        return new Fd(Syscalls.open(path, flags), path);
    }

    /** Takes ownership of a descriptor the kernel handed out by other means (eventfd, ioctl). */
    public static Fd adopt(int fd, String name) {
        if (fd < 0) {
            throw new IllegalArgumentException("not a file descriptor: " + fd + " (" + name + ")");
        }
        return new Fd(fd, name);
    }

    /** The raw descriptor number, for calls this class does not wrap. */
    public int raw() {
        int v = fd.get();
        if (v == CLOSED) {
            throw new AlreadyClosedException(name);
        }
        return v;
    }

    /** The name this descriptor was opened by, such as {@code /dev/vfio/vfio}. */
    public String name() {
        return name;
    }

    /** Whether {@link #close()} has not been called yet. */
    public boolean isOpen() {
        return fd.get() != CLOSED;
    }

    /** {@code ioctl} with a struct argument. */
    public int ioctl(IoctlRequest request, MemorySegment arg) {
        return Syscalls.ioctl(raw(), name, request, arg);
    }

    /** {@code ioctl} with an integer argument. */
    public int ioctl(IoctlRequest request, long arg) {
        return Syscalls.ioctl(raw(), name, request, arg);
    }

    /** {@code pread} into {@code buf} at {@code offset}; returns the bytes read. */
    public long pread(MemorySegment buf, long offset) {
        return Syscalls.pread(raw(), buf, offset, name);
    }

    /** {@code pwrite} of {@code buf} at {@code offset}; returns the bytes written. */
    public long pwrite(MemorySegment buf, long offset) {
        return Syscalls.pwrite(raw(), buf, offset, name);
    }

    @Override
    public void close() {
        int v = fd.getAndSet(CLOSED);
        if (v == CLOSED) {
            return;
        }
        try {
            Syscalls.close(v, name);
        } catch (ErrnoException e) {
            // Linux releases the descriptor even when close fails; nothing to retry.
            LOG.warn("{}", e.getMessage());
        }
    }

    @Override
    public String toString() {
        int v = fd.get();
        return v == CLOSED ? name + " (closed)" : name + " (fd " + v + ")";
    }
}
