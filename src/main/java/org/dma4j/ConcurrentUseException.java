package org.dma4j;

/**
 * Two threads used an object that belongs to one thread at a time (an NVMe I/O queue) at the same
 * moment. Detected on a best-effort basis, as {@link java.util.ConcurrentModificationException}
 * is: a program must not rely on it, but a driver that shares a queue between threads fails with
 * this instead of corrupting the queue. The fix: one queue per thread, or hand a queue over with
 * a happens-before (a thread start, a lock, a concurrent queue).
 */
public class ConcurrentUseException extends StateException {
    private static final long serialVersionUID = 1L;

    public ConcurrentUseException(String message) {
        super(message);
    }
}
