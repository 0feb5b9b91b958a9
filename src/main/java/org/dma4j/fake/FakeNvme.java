package org.dma4j.fake;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.dma4j.Dma4jException;

/**
 * A behavioural NVMe controller (NVMe base spec 1.4, PCIe transport) as a {@link DeviceModel}:
 * CAP/VS/CC/CSTS/AQA/ASQ/ACQ semantics with timed CSTS.RDY and shutdown transitions, doorbells
 * at the CAP.DSTRD stride, phase tags, completion queues that stall when full until the host
 * frees entries, PRP walking through the fake IOMMU (so DMA-debug checks fire on driver bugs),
 * the admin commands a driver uses and Read, Write, Flush, Write Zeroes and Dataset Management
 * on sparse or "null" namespaces.
 *
 * <p>Synchronous by default: commands run when their SQ tail doorbell is rung, on the ringing
 * thread. {@link Config#asynchronous(Duration)} gives the controller its own device thread, which
 * completes I/O commands a latency after their doorbell, as hardware does; the thread ends when
 * the driver clears CC.EN, on reset and on {@link #close()}.
 *
 * <p>It validates what a driver does, as the spec and QEMU do, and reports each driver bug as a
 * {@link DriverBug}: thrown from the offending register write (in asynchronous mode, bugs the
 * device thread finds are thrown from the driver's next register access), and kept in
 * {@link #bugs()}. Bugs the controller answers with an error status, as QEMU does, are kept in
 * {@link #bugs()} and not thrown. It injects faults on request: error statuses, dropped, duplicate
 * or slow completions, controller fatal status, a shutdown that never completes. Thread-safe.
 */
public final class FakeNvme implements DeviceModel {
    /** The fake's PCI identity, for {@link FakePciDevice}. */
    public static final int VENDOR = 0xfa4e;
    public static final int DEVICE = 0x0001;
    public static final int CLASS = 0x010802;
    public static final int MSIX_VECTORS = 8;
    static final int DOORBELLS = 0x1000;

    /** The driver bugs the fake recognises. */
    public enum Bug {
        DOORBELL_BEYOND_QUEUE, DOORBELL_FOR_MISSING_QUEUE, RESERVED_FIELDS_SET, BAD_PRP_OFFSET, QUEUE_CREATED_TWICE,
        QUEUES_NOT_PAGE_ALIGNED,
        /** A CQ head doorbell frees entries the controller has not posted (moves past the tail). */
        CQ_HEAD_PAST_TAIL,
        /** An SQ tail doorbell adds more entries than the SQ has free (it overruns the controller's head). */
        SQ_OVERFLOW,
        /** A doorbell write between two doorbells of the CAP.DSTRD stride. */
        DOORBELL_NOT_ON_STRIDE,
        /** A doorbell rung while CC.EN is 1 but CSTS.RDY not yet. */
        DOORBELL_BEFORE_READY,
        /** CC.EN set to 1 while CSTS.RDY was still 1 from the previous disable. */
        ENABLE_BEFORE_DISABLE_DONE,
        /** CC.MPS outside CAP.MPSMIN..CAP.MPSMAX at enable. */
        PAGE_SIZE_UNSUPPORTED,
        /** CC.IOSQES/IOCQES not the sizes Identify Controller SQES/CQES give. */
        BAD_QUEUE_ENTRY_SIZE,
        /** Create I/O SQ/CQ with PC=0 on a controller that requires contiguous queues (CAP.CQR). */
        QUEUE_NOT_CONTIGUOUS,
        /** A PRP list pointer that is not qword aligned, or a chained list pointer with an offset. */
        BAD_PRP_LIST_POINTER,
        /** Delete I/O CQ while an SQ still uses it. */
        INVALID_QUEUE_DELETION
    }

    /** A driver bug, named precisely. */
    public static final class DriverBug extends Dma4jException {
        private static final long serialVersionUID = 1L;
        private final Bug bug;

        DriverBug(Bug bug, String message) {
            super("NVMe driver bug " + bug + ": " + message);
            this.bug = bug;
        }

        public Bug bug() {
            return bug;
        }
    }

    private static final ScheduledExecutorService LATER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dma4j-fake-nvme-completions");
        t.setDaemon(true);
        return t;
    });

    private final Config config;
    private final List<DriverBug> bugs = new CopyOnWriteArrayList<>();
    final FakeFaults faults = new FakeFaults();
    private final FakeIo io = new FakeIo(this);
    /** Data staging for commands, reused (and grown) so that a command allocates nothing of its own. */
    private MemorySegment scratch = MemorySegment.NULL;
    private MemorySegment scratchSlice = MemorySegment.NULL;
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

    public FakeNvme(Config config) {
        this.config = config;
    }

    /**
     * What the fake controller is and how it behaves.
     *
     * @param mdts maximum data transfer size, a power of two of CAP.MPSMIN pages (0: no limit)
     * @param maxIoQueues how many I/O queue pairs Set Features may grant
     * @param maxQueueEntries CAP.MQES + 1
     * @param dstrd CAP.DSTRD: doorbells are {@code 4 << dstrd} bytes apart
     * @param mpsMin CAP.MPSMIN: the smallest memory page is {@code 4096 << mpsMin} bytes
     * @param readyDelay how long CSTS.RDY takes to follow CC.EN (CAP.TO covers it)
     * @param shutdownDelay how long a shutdown notification takes to complete (at most RTD3E)
     * @param rtd3eMicros RTD3 Entry Latency that Identify Controller reports
     * @param latency null: synchronous (commands run on the doorbell's thread); else a device
     *     thread completes each I/O command this long after its doorbell
     */
    public record Config(List<FakeNamespace> namespaces, int mdts, int maxIoQueues, int maxQueueEntries, int dstrd, int mpsMin,
                         Duration readyDelay, Duration shutdownDelay, int rtd3eMicros, Duration latency) {
        public Config {
            namespaces = List.copyOf(namespaces);
            if (dstrd < 0 || dstrd > 15 || mpsMin < 0 || mpsMin > 15) {
                throw new IllegalArgumentException("CAP.DSTRD " + dstrd + " and CAP.MPSMIN " + mpsMin + " are 4-bit fields");
            }
            if (maxQueueEntries < 2 || maxQueueEntries > 65536 || maxIoQueues < 1 || maxIoQueues > 65535) {
                throw new IllegalArgumentException("CAP.MQES+1 " + maxQueueEntries + " must be 2..65536 and I/O queues "
                        + maxIoQueues + " 1..65535");
            }
            if (readyDelay.isNegative() || readyDelay.toMillis() > 255 * 500) {
                throw new IllegalArgumentException("a ready delay of " + readyDelay + " is beyond what CAP.TO can advertise");
            }
            if (shutdownDelay.isNegative() || shutdownDelay.toNanos() > rtd3eMicros * 1000L || rtd3eMicros < 0) {
                throw new IllegalArgumentException("a shutdown delay of " + shutdownDelay + " exceeds RTD3E (" + rtd3eMicros
                        + " us): the fake never takes longer than it advertises");
            }
            if (latency != null && latency.isNegative()) {
                throw new IllegalArgumentException("negative latency " + latency);
            }
        }

        /** One 64 MiB namespace of 512 B blocks, MDTS 512 KiB, 8 I/O queues of up to 1024 entries, synchronous. */
        public static Config defaults() {
            return new Config(List.of(FakeNamespace.of(131072, 512)), 7, 8, 1024, 0, 0, Duration.ZERO, Duration.ZERO, 1_000_000, null);
        }

        public Config withNamespaces(FakeNamespace... ns) {
            return new Config(List.of(ns), mdts, maxIoQueues, maxQueueEntries, dstrd, mpsMin, readyDelay, shutdownDelay, rtd3eMicros,
                    latency);
        }

        public Config withMdts(int m) {
            return new Config(namespaces, m, maxIoQueues, maxQueueEntries, dstrd, mpsMin, readyDelay, shutdownDelay, rtd3eMicros,
                    latency);
        }

        public Config withMaxIoQueues(int q) {
            return new Config(namespaces, mdts, q, maxQueueEntries, dstrd, mpsMin, readyDelay, shutdownDelay, rtd3eMicros, latency);
        }

        /** CAP.DSTRD: doorbells {@code 4 << stride} bytes apart. */
        public Config withDoorbellStride(int stride) {
            return new Config(namespaces, mdts, maxIoQueues, maxQueueEntries, stride, mpsMin, readyDelay, shutdownDelay, rtd3eMicros,
                    latency);
        }

        /** CAP.MPSMIN (and MPSMAX at least as large). */
        public Config withMpsMin(int m) {
            return new Config(namespaces, mdts, maxIoQueues, maxQueueEntries, dstrd, m, readyDelay, shutdownDelay, rtd3eMicros,
                    latency);
        }

        /** CSTS.RDY follows CC.EN after {@code ready}; shutdowns take {@code shutdown} (RTD3E grows to cover it). */
        public Config withDelays(Duration ready, Duration shutdown) {
            int rtd3e = (int) Math.max(rtd3eMicros, (shutdown.toNanos() + 999) / 1000);
            return new Config(namespaces, mdts, maxIoQueues, maxQueueEntries, dstrd, mpsMin, ready, shutdown, rtd3e, latency);
        }

        /** The RTD3 Entry Latency Identify Controller reports, in microseconds. */
        public Config withRtd3e(int micros) {
            return new Config(namespaces, mdts, maxIoQueues, maxQueueEntries, dstrd, mpsMin, readyDelay, shutdownDelay, micros, latency);
        }

        /** A device thread completes each I/O command {@code latency} after its doorbell (admin commands at once). */
        public Config asynchronous(Duration latency) {
            return new Config(namespaces, mdts, maxIoQueues, maxQueueEntries, dstrd, mpsMin, readyDelay, shutdownDelay, rtd3eMicros,
                    latency);
        }

        int mpsMax() {
            return Math.max(mpsMin, 4);
        }

        long minPage() {
            return 4096L << mpsMin;
        }

        int doorbellStride() {
            return 4 << dstrd;
        }

        /** CAP: MQES, CQR, TO (covering the ready delay), DSTRD, CSS (NVM), MPSMIN, MPSMAX. */
        long cap() {
            long to = Math.max(2, (readyDelay.toMillis() + 499) / 500);
            return (maxQueueEntries - 1) | 1L << 16 | to << 24 | (long) dstrd << 32 | 1L << 37 | (long) mpsMin << 48
                    | (long) mpsMax() << 52;
        }

        long barSize() {
            long need = DOORBELLS + 2L * (maxIoQueues + 1) * doorbellStride();
            return Math.max(0x4000, Long.highestOneBit(need - 1) << 1);
        }
    }

    /** A fake NVMe controller behind a fake PCI device at {@code address}, DMA-ing through {@code space}. */
    public static FakePciDevice device(org.dma4j.pci.PciAddress address, FakeDmaSpace space, FakeNvme nvme) {
        return new FakePciDevice(address, space, nvme, VENDOR, DEVICE, CLASS, MSIX_VECTORS);
    }

    /** The driver bugs seen so far. */
    public List<DriverBug> bugs() {
        return List.copyOf(bugs);
    }

    /** The next {@code opcode} (admin or I/O) completes with {@code sct}/{@code sc} instead of running. */
    public synchronized void failNext(int opcode, boolean admin, int sct, int sc) {
        faults.failNext(opcode, admin, sct, sc);
    }

    /** The next {@code n} commands run but post no completion: the driver's timeout path. */
    public synchronized void dropCompletions(int n) {
        faults.dropCompletions = n;
    }

    /** The next {@code n} completions are posted twice: the driver must report the duplicate, not trust it. */
    public synchronized void duplicateCompletions(int n) {
        faults.duplicateCompletions = n;
    }

    /** Slow completions: every command's completion is posted {@code delay} after its doorbell (zero: at once). */
    public synchronized void delayCompletions(Duration delay) {
        faults.delayNanos = delay.toNanos();
    }

    /** Controller Fatal Status: CSTS.CFS goes to 1 and nothing more is processed. */
    public synchronized void fatal() {
        csts |= 2;
    }

    /** A shutdown notification is never completed: CSTS.SHST stays "processing". */
    public synchronized void hangShutdown() {
        faults.hangShutdown = true;
    }

    /** Whether the asynchronous device thread is running (for tests of its lifecycle). */
    synchronized boolean deviceThreadRunning() {
        return deviceThread != null && deviceThread.isAlive();
    }

    DriverBug bug(Bug b, String message) {
        DriverBug e = new DriverBug(b, message);
        bugs.add(e);
        return e;
    }

    FakeIo io() {
        return io;
    }

    /** {@code bytes} of reusable staging memory; valid until the next call (under the lock). */
    MemorySegment scratch(long bytes) {
        if (scratchSlice.byteSize() == bytes) {
            return scratchSlice;
        }
        if (scratch.byteSize() < bytes) {
            scratch = Arena.ofAuto().allocate(Math.max(bytes, 4096), 4096);
        }
        scratchSlice = scratch.asSlice(0, bytes);
        return scratchSlice;
    }

    Config config() {
        return config;
    }

    @Override
    public void attach(DeviceContext context) {
        this.ctx = context;
    }

    @Override
    public long barSize(int index) {
        return index == 0 ? config.barSize() : 0;
    }

    @Override
    public long read(int bar, long offset, int width) {
        synchronized (this) {
            rethrowDeferred();
            advance(System.nanoTime());
            if (width == 8) {
                return switch ((int) offset) {
                    case 0x00 -> config.cap();
                    case 0x28 -> asq;
                    case 0x30 -> acq;
                    default -> read32(offset) & 0xffff_ffffL;
                };
            }
            return read32(offset) & (width == 4 ? 0xffff_ffffL : (1L << (8 * width)) - 1);
        }
    }

    private long read32(long offset) {
        return switch ((int) (offset & ~3L)) {
            case 0x00 -> config.cap();
            case 0x04 -> config.cap() >>> 32;
            case 0x08 -> 0x0001_0400;
            case 0x0c, 0x10 -> intms;
            case 0x14 -> cc;
            case 0x1c -> csts;
            case 0x24 -> aqa;
            case 0x28 -> asq;
            case 0x2c -> asq >>> 32;
            case 0x30 -> acq;
            case 0x34 -> acq >>> 32;
            default -> 0;
        };
    }

    @Override
    public void write(int bar, long offset, int width, long value) {
        Thread stopped;
        synchronized (this) {
            rethrowDeferred();
            advance(System.nanoTime());
            if (offset >= DOORBELLS) {
                doorbell(offset, (int) value);
                return;
            }
            stopped = deviceThread;
            switch ((int) offset) {
                case 0x0c -> intms |= (int) value;
                case 0x10 -> intms &= ~(int) value;
                case 0x14 -> writeCc((int) value);
                case 0x24 -> aqa = (int) value;
                case 0x28 -> asq = width == 8 ? value : (asq & ~0xffff_ffffL) | (value & 0xffff_ffffL);
                case 0x2c -> asq = (asq & 0xffff_ffffL) | value << 32;
                case 0x30 -> acq = width == 8 ? value : (acq & ~0xffff_ffffL) | (value & 0xffff_ffffL);
                case 0x34 -> acq = (acq & 0xffff_ffffL) | value << 32;
                default -> { } // read-only or reserved: ignored, as hardware does
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
                throw bug(Bug.ENABLE_BEFORE_DISABLE_DONE, "CC.EN set to 1 while CSTS.RDY is still 1; after clearing CC.EN"
                        + " the host must wait for CSTS.RDY to become 0 before enabling again");
            }
            cc = value;
            enable(value, now);
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
            shstAt = faults.hangShutdown ? 0 : nonZero(now + config.shutdownDelay().toNanos());
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
            throw bug(Bug.PAGE_SIZE_UNSUPPORTED, "CC.MPS " + mps + " (" + (4096L << mps) + " byte pages) is outside CAP.MPSMIN "
                    + config.mpsMin() + " .. CAP.MPSMAX " + config.mpsMax());
        }
        long page = 4096L << mps;
        if ((asq & (page - 1)) != 0 || (acq & (page - 1)) != 0) {
            throw bug(Bug.QUEUES_NOT_PAGE_ALIGNED, "ASQ 0x" + Long.toHexString(asq) + " / ACQ 0x" + Long.toHexString(acq)
                    + " must be " + page / 1024 + " KiB aligned (CC.MPS)");
        }
        int iosqes = (value >>> 16) & 0xf;
        int iocqes = (value >>> 20) & 0xf;
        // Zero is allowed here (the spec lets a host set them later, before creating I/O queues); a wrong size is not.
        if ((iosqes != 0 && iosqes != FakeQueues.SQES) || (iocqes != 0 && iocqes != FakeQueues.CQES)) {
            throw bug(Bug.BAD_QUEUE_ENTRY_SIZE, "CC.IOSQES " + iosqes + " / CC.IOCQES " + iocqes + " at enable: this controller's"
                    + " Identify SQES/CQES allow only " + FakeQueues.SQES + " (64 B) and " + FakeQueues.CQES + " (16 B)");
        }
        queues = new FakeQueues(this, ctx, page, io);
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
            throw bug(Bug.DOORBELL_BEFORE_READY, "doorbell 0x" + Long.toHexString(offset) + " rung while CSTS.RDY is 0: after"
                    + " setting CC.EN the host must wait for CSTS.RDY to become 1");
        }
        queues.doorbell(offset - DOORBELLS, config.doorbellStride(), value);
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

    private synchronized void tick() {
        tickScheduled = false;
        if (queues != null && (csts & 2) == 0 && deviceThread == null) {
            try {
                afterPump(queues.pump(System.nanoTime()));
            } catch (RuntimeException e) {
                defer(e);
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
            synchronized (this) {
                if (deviceThread != self) {
                    return;
                }
                try {
                    wait = (csts & 2) != 0 ? Long.MAX_VALUE : queues.pump(System.nanoTime());
                } catch (RuntimeException e) {
                    defer(e);
                    wait = 0;
                }
            }
            if (wait > 0) {
                LockSupport.parkNanos(this, Math.min(wait, 100_000_000L)); // doorbells unpark it sooner
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

    @Override
    public void reset() {
        Thread stopped;
        synchronized (this) {
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
            faults.clear();
        }
        join(stopped);
    }

    /** Stops the device thread; the controller processes nothing more. Idempotent. */
    @Override
    public void close() {
        Thread stopped;
        synchronized (this) {
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
