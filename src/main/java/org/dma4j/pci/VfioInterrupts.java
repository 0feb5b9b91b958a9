package org.dma4j.pci;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.dma4j.OutOfRangeException;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Syscalls;

/** VFIO interrupts delivered to eventfds, one per vector; polled with non-blocking reads. */
final class VfioInterrupts implements Interrupts {
    private final IrqType type;
    private final List<Fd> eventfds;
    private final Runnable disable;
    private final Runnable unmaskIntx;
    private final MemorySegment counter = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG);
    private boolean closed;

    VfioInterrupts(IrqType type, List<Fd> eventfds, Runnable disable, Runnable unmaskIntx) {
        this.type = type;
        this.eventfds = eventfds;
        this.disable = disable;
        this.unmaskIntx = unmaskIntx;
    }

    @Override
    public synchronized void unmask(int vector) {
        vector(vector);
        if (type == IrqType.INTX) {
            unmaskIntx.run();
        }
    }

    @Override
    public IrqType type() {
        return type;
    }

    @Override
    public int count() {
        return eventfds.size();
    }

    @Override
    public synchronized long poll(int vector) {
        Fd fd = vector(vector);
        long n = Syscalls.tryRead(fd.raw(), counter, fd.name());
        return n < 0 ? 0 : counter.get(ValueLayout.JAVA_LONG, 0);
    }

    @Override
    public long await(int vector, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long fired;
        while ((fired = poll(vector)) == 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(20_000); // a poll every 20 us: cheap, and no poll(2) binding needed
        }
        return fired;
    }

    private Fd vector(int vector) {
        if (closed) {
            throw new org.dma4j.AlreadyClosedException(type + " interrupts");
        }
        if (vector < 0 || vector >= eventfds.size()) {
            throw new OutOfRangeException(
                    type + " vector " + vector + " is not enabled (0.." + (eventfds.size() - 1) + ")");
        }
        return eventfds.get(vector);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            disable.run();
        } finally {
            eventfds.forEach(Fd::close);
        }
    }
}
