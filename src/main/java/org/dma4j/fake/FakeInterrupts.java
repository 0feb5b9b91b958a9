package org.dma4j.fake;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;
import org.dma4j.AlreadyClosedException;
import org.dma4j.OutOfRangeException;
import org.dma4j.pci.Interrupts;
import org.dma4j.pci.IrqType;

/** Interrupt vectors of a fake device: counters a model increments and the driver polls or awaits. */
final class FakeInterrupts implements Interrupts {
    private final IrqType type;
    private final AtomicLongArray pending;
    private final Runnable onClose;
    private volatile boolean closed;

    FakeInterrupts(IrqType type, int count, Runnable onClose) {
        this.type = type;
        this.pending = new AtomicLongArray(count);
        this.onClose = onClose;
    }

    void raise(int vector) {
        if (!closed && vector >= 0 && vector < pending.length()) {
            pending.incrementAndGet(vector);
            synchronized (this) {
                notifyAll();
            }
        }
    }

    @Override
    public IrqType type() {
        return type;
    }

    @Override
    public int count() {
        return pending.length();
    }

    @Override
    public long poll(int vector) {
        check(vector);
        return pending.getAndSet(vector, 0);
    }

    @Override
    public long await(int vector, Duration timeout) {
        check(vector);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            long fired;
            while ((fired = pending.getAndSet(vector, 0)) == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    return 0;
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 0;
                }
            }
            return fired;
        }
    }

    private void check(int vector) {
        if (closed) {
            throw new AlreadyClosedException(type + " interrupts");
        }
        if (vector < 0 || vector >= pending.length()) {
            throw new OutOfRangeException(type + " vector " + vector + " is not enabled (0.." + (pending.length() - 1) + ")");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            onClose.run();
            synchronized (this) {
                notifyAll();
            }
        }
    }
}
