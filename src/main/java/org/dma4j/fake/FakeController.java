package org.dma4j.fake;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.dma4j.fake.FakeNvme.Bug;
import org.dma4j.nvme.NvmeRegs;
import org.dma4j.nvme.spec.Cqe;
import org.dma4j.nvme.spec.Sqe;

/**
 * The registers and life cycle of the fake NVMe controller: CAP/VS/CC/CSTS/AQA/ASQ/ACQ, CSTS.RDY
 * and shutdown transitions that take the configured time, QEMU's checks at enable, doorbells,
 * and the device thread of asynchronous mode. Guarded by the {@link FakeNvme}'s monitor, which
 * the device thread holds while it works and releases while it parks.
 */
final class FakeController {
    private static final ScheduledExecutorService LATER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dma4j-fake-nvme-completions");
        t.setDaemon(true);
        return t;
    });

    private final FakeNvme nvme;
    private final FakeNvme.Config config;
    private FakeQueues queues;
    private DeviceContext ctx;
    private int cc, csts, aqa, intms;
    private long asq, acq;
    /** When a pending CSTS.RDY or CSTS.SHST change takes effect (System.nanoTime), or 0. */
    private long rdyAt, shstAt;

    private Thread deviceThread;
    /** A failure the device thread met, thrown from the driver's next register access. */
    private RuntimeException deferred;

    private boolean tickScheduled;
    private final Runnable tick = this::tick;
    private boolean closed;

    FakeController(FakeNvme nvme) {
        this.nvme = nvme;
        this.config = nvme.config();
    }

    void attach(DeviceContext context) {
        this.ctx = context;
    }

    void fatal() {
        csts |= 2;
    }

    Thread deviceThread() {
        synchronized (nvme) {
            return deviceThread;
        }
    }

    long read(long offset, int width) {
        synchronized (nvme) {
            if (nvme.faults.removed) {
                return width == 8 ? -1L : (1L << (8 * width)) - 1; // a PCIe read of a missing device: all ones
            }
            rethrowDeferred();
            advance(System.nanoTime());
            Integer forced = nvme.faults.register(offset);
            if (forced != null) {
                long hi = width == 8 ? read(offset + 4, 4) : 0;
                long v = forced & 0xffff_ffffL;
                return width == 8 ? v | hi << 32 : (v >>> (8 * (offset & 3))) & ((1L << (8 * width)) - 1);
            }
            if (width == 8 && nvme.faults.register(offset + 4) != null) {
                return read(offset, 4) | read(offset + 4, 4) << 32;
            }
            if (width == 8) {
                return switch ((int) offset) {
                    case NvmeRegs.CAP -> config.cap();
                    case NvmeRegs.ASQ -> asq;
                    case NvmeRegs.ACQ -> acq;
                    default -> read32(offset) & 0xffff_ffffL;
                };
            }
            return read32(offset) & (width == 4 ? 0xffff_ffffL : (1L << (8 * width)) - 1);
        }
    }

    private long read32(long offset) {
        return switch ((int) (offset & ~3L)) {
            case NvmeRegs.CAP -> config.cap();
            case NvmeRegs.CAP + 4 -> config.cap() >>> 32;
            case NvmeRegs.VS -> FakeIdentify.VERSION;
            case NvmeRegs.INTMS, NvmeRegs.INTMC -> intms;
            case NvmeRegs.CC -> cc;
            case NvmeRegs.CSTS -> csts;
            case NvmeRegs.AQA -> aqa;
            case NvmeRegs.ASQ -> asq;
            case NvmeRegs.ASQ + 4 -> asq >>> 32;
            case NvmeRegs.ACQ -> acq;
            case NvmeRegs.ACQ + 4 -> acq >>> 32;
            default -> 0;
        };
    }

    void write(long offset, int width, long value) {
        Thread stopped;
        synchronized (nvme) {
            if (nvme.faults.removed) {
                return; // the device is gone: a posted write goes nowhere
            }
            rethrowDeferred();
            advance(System.nanoTime());
            if (offset >= FakeNvme.DOORBELLS) {
                doorbell(offset, (int) value);
                return;
            }
            stopped = deviceThread;
            switch ((int) offset) {
                case NvmeRegs.INTMS -> intms |= (int) value;
                case NvmeRegs.INTMC -> intms &= ~(int) value;
                case NvmeRegs.CC -> writeCc((int) value);
                case NvmeRegs.AQA -> aqa = (int) value;
                case NvmeRegs.ASQ -> asq = width == 8 ? value : (asq & ~0xffff_ffffL) | (value & 0xffff_ffffL);
                case NvmeRegs.ASQ + 4 -> asq = (asq & 0xffff_ffffL) | value << 32;
                case NvmeRegs.ACQ -> acq = width == 8 ? value : (acq & ~0xffff_ffffL) | (value & 0xffff_ffffL);
                case NvmeRegs.ACQ + 4 -> acq = (acq & 0xffff_ffffL) | value << 32;
                default -> {} // read-only or reserved: ignored, as hardware does
            }
            if (deviceThread == stopped) {
                stopped = null;
            }
        }
        join(stopped); // outside the lock, which the device thread needs to see that it is stopped
    }

    private void rethrowDeferred() {
        RuntimeException e = deferred;
        if (e != null) {
            deferred = null;
            throw e;
        }
    }

    /** Applies the CSTS changes whose time has come. */
    private void advance(long now) {
        if (rdyAt != 0 && now - rdyAt >= 0) {
            rdyAt = 0;
            csts = (cc & 1) != 0 ? csts | 1 : csts & ~1;
        }
        if (shstAt != 0 && now - shstAt >= 0) {
            shstAt = 0;
            csts = (csts & ~(3 << 2)) | 2 << 2; // shutdown processing complete
        }
    }

    private void writeCc(int value) {
        int was = cc;
        boolean wasEnabled = (was & 1) != 0;
        long now = System.nanoTime();
        if (!wasEnabled && (value & 1) != 0) {
            if ((csts & 1) != 0) {
                throw nvme.bug(
                        Bug.ENABLE_BEFORE_DISABLE_DONE,
                        "CC.EN set to 1 while CSTS.RDY is still 1; after clearing CC.EN"
                                + " the host must wait for CSTS.RDY to become 0 before enabling again");
            }
            cc = value;
            try {
                enable(value, now);
            } catch (FakeNvme.DriverBug e) {
                csts |= 2; // QEMU's start failure: CSTS.CFS
                throw e;
            }
        } else if (wasEnabled && (value & 1) == 0) {
            cc = value;
            stopDevice();
            queues = null;
            csts &= ~(2 | 3 << 2); // a controller reset clears CFS and SHST
            shstAt = 0;
            rdyAt = (csts & 1) == 0 ? 0 : nonZero(now + config.readyDelay().toNanos());
            advance(now);
        } else {
            cc = value;
        }
        int shn = (value >>> 14) & 3;
        if (shn != 0 && ((was >>> 14) & 3) == 0 && (cc & 1) != 0) {
            csts = (csts & ~(3 << 2)) | 1 << 2; // shutdown processing occurring
            long took = nvme.faults.shutdownNanos >= 0
                    ? nvme.faults.shutdownNanos
                    : config.shutdownDelay().toNanos();
            shstAt = nvme.faults.hangShutdown ? 0 : nonZero(now + took);
            stopDevice(); // a shut-down controller processes nothing more
            queues = null;
            advance(now);
        } else if (shn == 0 && ((was >>> 14) & 3) != 0) {
            csts &= ~(3 << 2);
            shstAt = 0;
        }
    }

    private static long nonZero(long t) {
        return t == 0 ? 1 : t;
    }

    /** CC.EN 0 to 1: QEMU's start checks, then the admin queues; CSTS.RDY follows after the ready delay. */
    private void enable(int value, long now) {
        int mps = (value >>> 7) & 0xf;
        if (mps < config.mpsMin() || mps > config.mpsMax()) {
            throw nvme.bug(
                    Bug.PAGE_SIZE_UNSUPPORTED,
                    "CC.MPS " + mps + " (" + (4096L << mps) + " byte pages) is outside CAP.MPSMIN " + config.mpsMin()
                            + " .. CAP.MPSMAX " + config.mpsMax());
        }
        long page = 4096L << mps;
        if ((asq & (page - 1)) != 0 || (acq & (page - 1)) != 0) {
            throw nvme.bug(
                    Bug.QUEUES_NOT_PAGE_ALIGNED,
                    "ASQ 0x" + Long.toHexString(asq) + " / ACQ 0x" + Long.toHexString(acq) + " must be " + page / 1024
                            + " KiB aligned (CC.MPS)");
        }
        int iosqes = (value >>> 16) & 0xf;
        int iocqes = (value >>> 20) & 0xf;
        // Zero is allowed here (the spec lets a host set them later, before creating I/O queues); a wrong size is not.
        if ((iosqes != 0 && iosqes != Sqe.SIZE_LOG2) || (iocqes != 0 && iocqes != Cqe.SIZE_LOG2)) {
            throw nvme.bug(
                    Bug.BAD_QUEUE_ENTRY_SIZE,
                    "CC.IOSQES " + iosqes + " / CC.IOCQES " + iocqes + " at enable: this controller's"
                            + " Identify SQES/CQES allow only " + Sqe.SIZE_LOG2 + " (64 B) and " + Cqe.SIZE_LOG2
                            + " (16 B)");
        }
        queues = new FakeQueues(nvme, ctx, page, nvme.io());
        queues.createAdmin(asq, (aqa & 0xfff) + 1, acq, ((aqa >>> 16) & 0xfff) + 1);
        rdyAt = nonZero(now + config.readyDelay().toNanos());
        advance(now);
        if (config.latency() != null) {
            Thread t = new Thread(this::deviceLoop, "dma4j-fake-nvme-device");
            t.setDaemon(true);
            deviceThread = t;
            t.start();
        }
    }

    /** CC.IOSQES and CC.IOCQES as they are now (Create I/O SQ/CQ checks them, as QEMU does). */
    int cc() {
        return cc;
    }

    private void doorbell(long offset, int value) {
        if ((csts & 2) != 0 || (cc & 1) == 0 || queues == null) {
            return; // a fatal, disabled or shut-down controller ignores doorbells, as QEMU does
        }
        if ((csts & 1) == 0) {
            throw nvme.bug(
                    Bug.DOORBELL_BEFORE_READY,
                    "doorbell 0x" + Long.toHexString(offset) + " rung while CSTS.RDY is 0: after"
                            + " setting CC.EN the host must wait for CSTS.RDY to become 1");
        }
        queues.doorbell(offset - FakeNvme.DOORBELLS, config.doorbellStride(), value);
        if (deviceThread != null) {
            LockSupport.unpark(deviceThread);
        } else {
            afterPump(queues.pump(System.nanoTime()));
        }
    }

    /** In synchronous mode, completions that are not due yet (injected delays) are posted from a timer. */
    private void afterPump(long waitNanos) {
        if (waitNanos != Long.MAX_VALUE && !tickScheduled) {
            tickScheduled = true;
            LATER.schedule(tick, Math.max(waitNanos, 1), TimeUnit.NANOSECONDS);
        }
    }

    private void tick() {
        synchronized (nvme) {
            tickScheduled = false;
            if (queues != null && (csts & 2) == 0 && deviceThread == null) {
                try {
                    afterPump(queues.pump(System.nanoTime()));
                } catch (RuntimeException e) {
                    defer(e);
                }
            }
        }
    }

    private void defer(RuntimeException e) {
        if (deferred == null) {
            deferred = e;
        } else if (deferred != e) {
            deferred.addSuppressed(e);
        }
    }

    boolean fatalStatus() {
        return (csts & 2) != 0;
    }

    /** The device thread: runs what is due, then parks until the next due time or a doorbell; never spins. */
    private void deviceLoop() {
        Thread self = Thread.currentThread();
        while (true) {
            long wait;
            synchronized (nvme) {
                if (deviceThread != self) {
                    return;
                }
                try {
                    wait = (csts & 2) != 0 ? Long.MAX_VALUE : queues.pump(System.nanoTime());
                } catch (RuntimeException e) {
                    // A driver bug met on this thread stops the controller (CSTS.CFS), so that it cannot
                    // recur forever; the driver sees it at its next register access.
                    defer(e);
                    csts |= 2;
                    wait = Long.MAX_VALUE;
                }
            }
            if (wait > 0) {
                LockSupport.parkNanos(nvme, Math.min(wait, 100_000_000L)); // doorbells unpark it sooner
            }
        }
    }

    /** Stops the device thread (it sees this when it next takes the lock); the caller joins it after unlocking. */
    private void stopDevice() {
        Thread t = deviceThread;
        deviceThread = null;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private static void join(Thread t) {
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void reset() {
        Thread stopped;
        synchronized (nvme) {
            stopped = deviceThread;
            stopDevice();
            cc = 0;
            csts = 0;
            aqa = 0;
            asq = 0;
            acq = 0;
            intms = 0;
            rdyAt = 0;
            shstAt = 0;
            queues = null;
            deferred = null;
            nvme.faults.clear();
        }
        join(stopped);
    }

    /** Stops the device thread; the controller processes nothing more. Idempotent. */
    void close() {
        Thread stopped;
        synchronized (nvme) {
            if (closed) {
                return;
            }
            closed = true;
            stopped = deviceThread;
            stopDevice();
            queues = null;
        }
        join(stopped);
    }
}
