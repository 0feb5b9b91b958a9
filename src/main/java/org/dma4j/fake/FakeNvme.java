package org.dma4j.fake;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * {@link DriverBug}: thrown from the offending register write (in asynchronous mode, a bug the
 * device thread finds stops the controller, CSTS.CFS, and is thrown from the driver's next
 * register access), and kept in
 * {@link #bugs()}. Bugs the controller answers with an error status, as QEMU does, are kept in
 * {@link #bugs()} and not thrown. It injects faults on request: error statuses, dropped, duplicate
 * or slow completions, controller fatal status, a shutdown that never completes. Thread-safe.
 *
 * <p>Who closes it: the {@link FakePciDevice} it is plugged into ({@link #device}) closes it when
 * the device closes; the device is its creator's to close (or a driver's that was given it,
 * {@code NvmeController.openOwning}), and the {@link FakeDmaSpace} stays the creator's.
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
        DOORBELL_BEYOND_QUEUE,
        DOORBELL_FOR_MISSING_QUEUE,
        RESERVED_FIELDS_SET,
        BAD_PRP_OFFSET,
        QUEUE_CREATED_TWICE,
        QUEUES_NOT_PAGE_ALIGNED,
        /** MPTR is 0 or not dword aligned where metadata must cross (a controller would DMA it there). */
        BAD_METADATA_POINTER,
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
        INVALID_QUEUE_DELETION,
        /** Create I/O CQ with interrupts enabled on a vector the device does not have. */
        INVALID_INTERRUPT_VECTOR
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

    private final Config config;
    private final FakeController controller;
    private final List<DriverBug> bugs = new CopyOnWriteArrayList<>();
    final FakeFaults faults = new FakeFaults();
    private final FakeIo io = new FakeIo(this);
    /** Data staging for commands, reused (and grown) so that a command allocates nothing of its own. */
    private MemorySegment scratch = MemorySegment.NULL;
    /** Slices of it by length, direct mapped by the length's power of two (transfers of a few sizes alternate): a hit allocates nothing. */
    private final MemorySegment[] scratchSlices = new MemorySegment[16];

    public FakeNvme(Config config) {
        this.config = config;
        this.controller = new FakeController(this);
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
    public record Config(
            List<FakeNamespace> namespaces,
            int mdts,
            int maxIoQueues,
            int maxQueueEntries,
            int dstrd,
            int mpsMin,
            Duration readyDelay,
            Duration shutdownDelay,
            int rtd3eMicros,
            Duration latency) {
        public Config {
            namespaces = List.copyOf(namespaces);
            if (dstrd < 0 || dstrd > 15 || mpsMin < 0 || mpsMin > 15) {
                throw new IllegalArgumentException(
                        "CAP.DSTRD " + dstrd + " and CAP.MPSMIN " + mpsMin + " are 4-bit fields");
            }
            if (maxQueueEntries < 2 || maxQueueEntries > 65536 || maxIoQueues < 1 || maxIoQueues > 65535) {
                throw new IllegalArgumentException("CAP.MQES+1 " + maxQueueEntries + " must be 2..65536 and I/O queues "
                        + maxIoQueues + " 1..65535");
            }
            if (readyDelay.isNegative() || readyDelay.toMillis() > 255 * 500) {
                throw new IllegalArgumentException(
                        "a ready delay of " + readyDelay + " is beyond what CAP.TO can advertise");
            }
            if (shutdownDelay.isNegative() || shutdownDelay.toNanos() > rtd3eMicros * 1000L || rtd3eMicros < 0) {
                throw new IllegalArgumentException("a shutdown delay of " + shutdownDelay + " exceeds RTD3E ("
                        + rtd3eMicros + " us): the fake never takes longer than it advertises");
            }
            if (latency != null && latency.isNegative()) {
                throw new IllegalArgumentException("negative latency " + latency);
            }
        }

        /** One 64 MiB namespace of 512 B blocks, MDTS 512 KiB, 8 I/O queues of up to 1024 entries, synchronous. */
        public static Config defaults() {
            return new Config(
                    List.of(FakeNamespace.of(131072, 512)),
                    7,
                    8,
                    1024,
                    0,
                    0,
                    Duration.ZERO,
                    Duration.ZERO,
                    1_000_000,
                    null);
        }

        public Config withNamespaces(FakeNamespace... ns) {
            return new Config(
                    List.of(ns),
                    mdts,
                    maxIoQueues,
                    maxQueueEntries,
                    dstrd,
                    mpsMin,
                    readyDelay,
                    shutdownDelay,
                    rtd3eMicros,
                    latency);
        }

        public Config withMdts(int m) {
            return new Config(
                    namespaces,
                    m,
                    maxIoQueues,
                    maxQueueEntries,
                    dstrd,
                    mpsMin,
                    readyDelay,
                    shutdownDelay,
                    rtd3eMicros,
                    latency);
        }

        public Config withMaxIoQueues(int q) {
            return new Config(
                    namespaces,
                    mdts,
                    q,
                    maxQueueEntries,
                    dstrd,
                    mpsMin,
                    readyDelay,
                    shutdownDelay,
                    rtd3eMicros,
                    latency);
        }

        /** CAP.DSTRD: doorbells {@code 4 << stride} bytes apart. */
        public Config withDoorbellStride(int stride) {
            return new Config(
                    namespaces,
                    mdts,
                    maxIoQueues,
                    maxQueueEntries,
                    stride,
                    mpsMin,
                    readyDelay,
                    shutdownDelay,
                    rtd3eMicros,
                    latency);
        }

        /** CAP.MPSMIN (and MPSMAX at least as large). */
        public Config withMpsMin(int m) {
            return new Config(
                    namespaces,
                    mdts,
                    maxIoQueues,
                    maxQueueEntries,
                    dstrd,
                    m,
                    readyDelay,
                    shutdownDelay,
                    rtd3eMicros,
                    latency);
        }

        /** CSTS.RDY follows CC.EN after {@code ready}; shutdowns take {@code shutdown} (RTD3E grows to cover it). */
        public Config withDelays(Duration ready, Duration shutdown) {
            int rtd3e = (int) Math.max(rtd3eMicros, (shutdown.toNanos() + 999) / 1000);
            return new Config(
                    namespaces, mdts, maxIoQueues, maxQueueEntries, dstrd, mpsMin, ready, shutdown, rtd3e, latency);
        }

        /** The RTD3 Entry Latency Identify Controller reports, in microseconds. */
        public Config withRtd3e(int micros) {
            return new Config(
                    namespaces,
                    mdts,
                    maxIoQueues,
                    maxQueueEntries,
                    dstrd,
                    mpsMin,
                    readyDelay,
                    shutdownDelay,
                    micros,
                    latency);
        }

        /** A device thread completes each I/O command {@code latency} after its doorbell (admin commands at once). */
        public Config asynchronous(Duration latency) {
            return new Config(
                    namespaces,
                    mdts,
                    maxIoQueues,
                    maxQueueEntries,
                    dstrd,
                    mpsMin,
                    readyDelay,
                    shutdownDelay,
                    rtd3eMicros,
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
            return (maxQueueEntries - 1)
                    | 1L << 16
                    | to << 24
                    | (long) dstrd << 32
                    | 1L << 37
                    | (long) mpsMin << 48
                    | (long) mpsMax() << 52;
        }

        long barSize() {
            long need = DOORBELLS + 2L * (maxIoQueues + 1) * doorbellStride();
            return Math.max(0x4000, Long.highestOneBit(need - 1) << 1);
        }
    }

    /**
     * A fake NVMe controller behind a fake PCI device at {@code address}, DMA-ing through
     * {@code space}. The caller closes the device (which closes {@code nvme}) and, after it, the space.
     */
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

    /** The next {@code opcode} (admin or I/O) completes {@code delay} later than it would (on top of any latency). */
    public synchronized void delayNext(int opcode, boolean admin, Duration delay) {
        faults.delayNext(opcode, admin, delay.toNanos());
    }

    /**
     * From now on a shutdown (CC.SHN) reports complete (CSTS.SHST = 10b) {@code latency} after it
     * was asked for, in progress (01b) until then, and Identify Controller reports RTD3E
     * {@code rtd3eMicros}: unlike the config, this may promise less than the shutdown takes.
     */
    public synchronized void shutdownLatency(Duration latency, long rtd3eMicros) {
        faults.shutdownNanos = latency.toNanos();
        faults.rtd3eMicros = rtd3eMicros;
    }

    /** Controller Fatal Status: CSTS.CFS goes to 1 and nothing more is processed until a controller reset (CC.EN 1 to 0). */
    public synchronized void fatal() {
        controller.fatal();
    }

    /** A shutdown notification is never completed: CSTS.SHST stays "processing". */
    public synchronized void hangShutdown() {
        faults.hangShutdown = true;
    }

    /** A field of a completion queue entry (NVMe base spec figure "Common Completion Queue Entry Layout"). */
    public enum CqeField {
        /** Dword 0, the command specific result. */
        DW0("dw0"),
        /** SQ Head Pointer. */
        SQHD("sqhd"),
        /** SQ Identifier. */
        SQID("sqid"),
        /** Command Identifier. */
        CID("cid"),
        /** Status Field and Phase Tag (bit 0): a wrong phase tag hides the entry. */
        STATUS_AND_PHASE("status");

        final int offset;
        final int width;

        CqeField(String name) {
            var path = java.lang.foreign.MemoryLayout.PathElement.groupElement(name);
            this.offset = (int) org.dma4j.nvme.spec.Cqe.LAYOUT.byteOffset(path);
            this.width = (int) org.dma4j.nvme.spec.Cqe.LAYOUT.select(path).byteSize();
        }
    }

    /**
     * Hostile device: from now on the register dword at {@code offset} (CAP at 0x00 and 0x04,
     * VS 0x08, CSTS 0x1c, ...) reads as {@code value}, whatever the controller holds. The
     * controller itself goes on as its config says: only what the driver sees is wrong.
     */
    public synchronized void overrideRegister(int offset, int value) {
        if ((offset & 3) != 0 || offset < 0 || offset >= DOORBELLS) {
            throw new IllegalArgumentException("register offset 0x" + Integer.toHexString(offset)
                    + " is not a dword of the controller registers (0x0..0xffc)");
        }
        faults.registers.put(offset, value);
    }

    /** Hostile device: byte {@code offset} of every Identify data structure of {@code cns} the controller returns is {@code value}. */
    public synchronized void corruptIdentify(int cns, int offset, int value) {
        if (offset < 0 || offset >= 4096 || cns < 0 || cns > 0xff) {
            throw new IllegalArgumentException("Identify CNS " + cns + " byte " + offset + " is outside its 4 KiB");
        }
        faults.identify.put(cns << 16 | offset, (byte) value);
    }

    /** Hostile device: the next completion the controller posts (admin or I/O) has {@code field} set to {@code value}. */
    public synchronized void corruptNextCompletion(CqeField field, int value) {
        faults.completions.add(new long[] {field.offset, field.width, value});
    }

    /**
     * Surprise removal: the device is gone. Every register and doorbell read returns all ones
     * (0xffffffff, what a PCIe read of a missing device returns), writes are dropped, and no
     * command completes any more.
     */
    public synchronized void surpriseRemove() {
        faults.removed = true;
    }

    /** The asynchronous device thread, or null (for tests of its life cycle). */
    Thread deviceThread() {
        return controller.deviceThread();
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
        int slot = (63 - Long.numberOfLeadingZeros(bytes)) & (scratchSlices.length - 1); // by power of two
        MemorySegment slice = scratchSlices[slot];
        if (slice != null && slice.byteSize() == bytes) {
            return slice;
        }
        if (scratch.byteSize() < bytes) {
            scratch = Arena.ofAuto().allocate(Math.max(bytes, 4096), 4096);
            java.util.Arrays.fill(scratchSlices, null); // slices of the old buffer
        }
        slice = scratch.asSlice(0, bytes);
        scratchSlices[slot] = slice;
        return slice;
    }

    Config config() {
        return config;
    }

    /** CSTS.CFS, for the queues: a fatal controller processes nothing. */
    boolean fatalStatus() {
        return controller.fatalStatus();
    }

    /** CC as the driver last wrote it. */
    int cc() {
        return controller.cc();
    }

    @Override
    public void attach(DeviceContext context) {
        controller.attach(context);
    }

    @Override
    public long barSize(int index) {
        return index == 0 ? config.barSize() : 0;
    }

    @Override
    public long read(int bar, long offset, int width) {
        return controller.read(offset, width);
    }

    @Override
    public void write(int bar, long offset, int width, long value) {
        controller.write(offset, width, value);
    }

    @Override
    public void reset() {
        controller.reset();
    }

    /** Stops the device thread; the controller processes nothing more. Idempotent. */
    @Override
    public void close() {
        controller.close();
    }
}
