package org.dma4j.fake;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;
import org.dma4j.AlreadyClosedException;
import org.dma4j.OutOfRangeException;
import org.dma4j.pci.Interrupts;
import org.dma4j.pci.IrqType;

/**
 * Interrupt vectors of a fake device: counters a model increments and the driver polls or
 * awaits. INTx is a level, handled as VFIO does: when the line fires it is masked; while masked
 * nothing more is delivered; {@link #unmask} delivers it again if the device still asserts it.
 */
final class FakeInterrupts implements Interrupts {
    private final IrqType type;
    private final AtomicLongArray pending;
    private final Runnable onClose;
    private volatile boolean closed;
    /** INTx: the device's line, and whether VFIO masked it after it fired. Guarded by this. */
    private boolean intxAsserted;

    private boolean intxMasked;

    FakeInterrupts(IrqType type, int count, Runnable onClose) {
        this.type = type;
        this.pending = new AtomicLongArray(count);
        this.onClose = onClose;
    }

    /** The device's INTx line changed: delivered if asserted and not masked, then masked. */
    synchronized void intx(boolean asserted) {
        intxAsserted = asserted;
        deliverIntx();
    }

    private void deliverIntx() {
        if (type == IrqType.INTX && intxAsserted && !intxMasked && !closed) {
            intxMasked = true;
            pending.incrementAndGet(0);
            notifyAll();
        }
    }

    @Override
    public synchronized void unmask(int vector) {
        check(vector);
        if (type == IrqType.INTX) {
            intxMasked = false;
            deliverIntx();
        }
    }

    /** An MSI or MSI-X message; INTx is raised with {@link #intx}. */
    void raise(int vector) {
        if (type != IrqType.INTX && !closed && vector >= 0 && vector < pending.length()) {
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
            throw new OutOfRangeException(
                    type + " vector " + vector + " is not enabled (0.." + (pending.length() - 1) + ")");
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
