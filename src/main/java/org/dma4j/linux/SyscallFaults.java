package org.dma4j.linux;

import java.util.EnumSet;
import java.util.Set;

/**
 * <b>For tests only.</b> Syscall fault injection, the kernel's {@code fail_nth} idea: while a
 * {@link Session} is open on a thread, the {@code n}th system call of the chosen kinds that
 * {@link Syscalls} makes on that thread fails with the chosen errno, exactly as if the kernel had
 * returned it (an {@link org.dma4j.ErrnoException} naming the operation). A test runs an
 * operation once with counting only to learn how many calls it makes, then once per {@code n}
 * and checks that each failure is reported by name and leaks nothing.
 *
 * <p>Calls that acquire something (open, ioctl, mmap, mlock, madvise, eventfd, memfd_create,
 * read, write) fail without being made. Calls that release something ({@link Kind#CLOSE},
 * {@link Kind#MUNMAP}, {@link Kind#MUNLOCK}) are made and then reported as failed, as Linux's
 * {@code close} releases the descriptor even when it returns an error: what is checked is that
 * the caller goes on releasing everything else.
 *
 * <p>Off costs one read of a static field per system call: no allocation, no lock. Only the
 * thread that opened the session is affected, so other threads (a fake device's, the test
 * runner's) run normally.
 */
public final class SyscallFaults {
    /** The system calls that can be counted and failed. */
    public enum Kind {
        OPEN,
        CLOSE,
        IOCTL,
        MMAP,
        MUNMAP,
        MLOCK,
        MUNLOCK,
        MADVISE,
        READ,
        WRITE,
        MEMFD,
        EVENTFD;

        boolean releases() {
            return this == CLOSE || this == MUNMAP || this == MUNLOCK;
        }
    }

    /** Every kind. */
    public static final Set<Kind> ALL = EnumSet.allOf(Kind.class);

    /** The open session, or null: read once per system call. */
    static volatile Session active;

    private SyscallFaults() {}

    /** Counts the calls of {@code kinds} made on this thread until closed; fails none. */
    public static Session count(Set<Kind> kinds) {
        return open(0, 0, kinds);
    }

    /** Fails the {@code n}th (1-based) call of {@code kinds} on this thread with {@code errno}. */
    public static Session failNth(int n, int errno, Set<Kind> kinds) {
        if (n < 1 || errno <= 0) {
            throw new IllegalArgumentException(
                    "fail_nth needs n >= 1 and a positive errno, not n=" + n + " errno=" + errno);
        }
        return open(n, errno, kinds);
    }

    private static synchronized Session open(int n, int errno, Set<Kind> kinds) {
        if (active != null) {
            throw new org.dma4j.StateException(
                    "a syscall fault-injection session is already open on " + active.thread + "; close it first");
        }
        Session s = new Session(Thread.currentThread(), n, errno, EnumSet.copyOf(kinds));
        active = s;
        return s;
    }

    /** The errno to fail this call with, or 0 to make it. Called by {@link Syscalls} when a session is open. */
    static int check(Session s, Kind kind) {
        if (s.thread != Thread.currentThread() || !s.kinds.contains(kind)) {
            return 0;
        }
        s.calls++;
        if (s.calls == s.n) {
            s.failed = kind;
            return s.errno;
        }
        return 0;
    }

    /** One fault-injection (or counting) session, confined to the thread that opened it; close it to end it. */
    public static final class Session implements AutoCloseable {
        private final Thread thread;
        private final int n;
        private final int errno;
        private final Set<Kind> kinds;
        private int calls;
        private Kind failed;

        private Session(Thread thread, int n, int errno, Set<Kind> kinds) {
            this.thread = thread;
            this.n = n;
            this.errno = errno;
            this.kinds = kinds;
        }

        /** How many calls of the chosen kinds were made (or failed) so far. */
        public int calls() {
            return calls;
        }

        /** The kind of the call that was failed, or null if the {@code n}th call never came. */
        public Kind failed() {
            return failed;
        }

        @Override
        public void close() {
            synchronized (SyscallFaults.class) {
                if (active == this) {
                    active = null;
                }
            }
        }
    }
}
