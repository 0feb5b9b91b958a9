package org.dma4j.fake;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.dma4j.Dma4jException;
import org.dma4j.Iova;

/**
 * A behavioural NVMe controller (NVMe base spec 1.4, PCIe transport) as a {@link DeviceModel}:
 * CAP/VS/CC/CSTS/AQA/ASQ/ACQ semantics, doorbells, phase tags, PRP walking through the fake
 * IOMMU (so DMA-debug checks fire on driver bugs), the admin commands a driver uses and Read,
 * Write, Flush, Write Zeroes and Dataset Management on sparse or "null" namespaces. Commands run
 * when their SQ tail doorbell is rung, on the ringing thread.
 *
 * <p>It validates what a driver sends and reports each driver bug as a {@link DriverBug} (thrown
 * from the offending register write, and kept in {@link #bugs()}), and it injects faults on
 * request: error statuses, dropped or slow completions, controller fatal status. Thread-safe.
 */
public final class FakeNvme implements DeviceModel {
    /** The fake's PCI identity, for {@link FakePciDevice}. */
    public static final int VENDOR = 0xfa4e;
    public static final int DEVICE = 0x0001;
    public static final int CLASS = 0x010802;
    public static final int MSIX_VECTORS = 8;
    private static final long BAR0 = 0x4000;
    private static final long PAGE = 4096;

    /** The driver bugs the fake recognises. */
    public enum Bug {
        DOORBELL_BEYOND_QUEUE, DOORBELL_FOR_MISSING_QUEUE, RESERVED_FIELDS_SET, BAD_PRP_OFFSET, QUEUE_CREATED_TWICE,
        QUEUES_NOT_PAGE_ALIGNED, BAD_METADATA_POINTER
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

    /**
     * @param mdts maximum data transfer size, a power of two of 4 KiB pages (0: no limit)
     * @param maxIoQueues how many I/O queue pairs Set Features may grant
     * @param maxQueueEntries CAP.MQES + 1
     */
    public record Config(List<FakeNamespace> namespaces, int mdts, int maxIoQueues, int maxQueueEntries) {
        /** One 64 MiB namespace of 512 B blocks, MDTS 512 KiB, 8 I/O queues of up to 1024 entries. */
        public static Config defaults() {
            return new Config(List.of(FakeNamespace.of(131072, 512)), 7, 8, 1024);
        }

        public Config withNamespaces(FakeNamespace... ns) {
            return new Config(List.of(ns), mdts, maxIoQueues, maxQueueEntries);
        }

        public Config withMdts(int m) {
            return new Config(namespaces, m, maxIoQueues, maxQueueEntries);
        }

        public Config withMaxIoQueues(int q) {
            return new Config(namespaces, mdts, q, maxQueueEntries);
        }
    }

    private static final class Sq {
        final int qid, size, cqid;
        final long iova;
        int head, tail;

        Sq(int qid, long iova, int size, int cqid) {
            this.qid = qid;
            this.iova = iova;
            this.size = size;
            this.cqid = cqid;
        }
    }

    private static final class Cq {
        final int qid, size, vector;
        final long iova;
        final boolean interrupts;
        int tail, head, phase = 1;

        Cq(int qid, long iova, int size, boolean interrupts, int vector) {
            this.qid = qid;
            this.iova = iova;
            this.size = size;
            this.interrupts = interrupts;
            this.vector = vector;
        }
    }

    private record Injected(int opcode, boolean admin, int status) {}

    private record Delayed(int opcode, boolean admin, long nanos) {}

    private final Config config;
    private final List<DriverBug> bugs = new CopyOnWriteArrayList<>();
    private final Map<Integer, Sq> sqs = new HashMap<>();
    private final Map<Integer, Cq> cqs = new HashMap<>();
    private final List<Injected> injected = new ArrayList<>();
    private DeviceContext ctx;
    private int cc, csts, aqa, intms;
    private long asq, acq;
    private int granted;
    private int dropCompletions;
    private int duplicateCompletions;
    private long delayNanos;
    private final List<Delayed> delayed = new ArrayList<>();
    /** Counts controller resets: a completion scheduled before one is never posted after it, as on hardware. */
    private long generation;
    private long shutdownNanos;
    private long shutdownDoneAt;
    private long rtd3eMicros;
    private static final java.util.concurrent.ScheduledExecutorService LATER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "dma4j-fake-nvme-completions");
                t.setDaemon(true);
                return t;
            });
    private long dataUnitsRead, dataUnitsWritten, hostReads, hostWrites;

    public FakeNvme(Config config) {
        this.config = config;
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
        injected.add(new Injected(opcode, admin, (sct & 7) << 8 | (sc & 0xff)));
    }

    /** The next {@code n} commands run but post no completion: the driver's timeout path. */
    public synchronized void dropCompletions(int n) {
        dropCompletions = n;
    }

    /** The next {@code n} completions are posted twice: the driver must report the duplicate, not trust it. */
    public synchronized void duplicateCompletions(int n) {
        duplicateCompletions = n;
    }

    /** Slow completions: every command's completion is posted {@code delay} after it ran (zero: at once). */
    public synchronized void delayCompletions(java.time.Duration delay) {
        delayNanos = delay.toNanos();
    }

    /** The next {@code opcode} (admin or I/O) runs at once but posts its completion {@code delay} later. */
    public synchronized void delayNext(int opcode, boolean admin, java.time.Duration delay) {
        delayed.add(new Delayed(opcode, admin, delay.toNanos()));
    }

    /**
     * Shutdown (CC.SHN) reports complete (CSTS.SHST = 10b) {@code latency} after it was asked for,
     * in progress (01b) until then; Identify Controller reports RTD3E {@code rtd3eMicros}.
     */
    public synchronized void shutdownLatency(java.time.Duration latency, long rtd3eMicros) {
        shutdownNanos = latency.toNanos();
        this.rtd3eMicros = rtd3eMicros;
    }

    /** Controller Fatal Status: CSTS.CFS goes to 1 and nothing more is processed until a controller reset (CC.EN 1 to 0). */
    public synchronized void fatal() {
        csts |= 2;
    }

    DriverBug bug(Bug b, String message) {
        DriverBug e = new DriverBug(b, message);
        bugs.add(e);
        return e;
    }

    @Override
    public void attach(DeviceContext context) {
        this.ctx = context;
    }

    @Override
    public long barSize(int index) {
        return index == 0 ? BAR0 : 0;
    }

    private long cap() {
        return (config.maxQueueEntries() - 1) | 1L << 16 /* CQR */ | 2L << 24 /* TO: 1 s */ | 1L << 37 /* CSS: NVM */;
    }

    @Override
    public synchronized long read(int bar, long offset, int width) {
        long v = switch ((int) (offset & ~3L)) {
            case 0x00 -> cap();
            case 0x04 -> cap() >>> 32;
            case 0x08 -> 0x0001_0400;
            case 0x0c, 0x10 -> intms;
            case 0x14 -> cc;
            case 0x1c -> {
                if ((csts & 3 << 2) == 1 << 2 && System.nanoTime() - shutdownDoneAt >= 0) {
                    csts = (csts & ~(3 << 2)) | 2 << 2; // shutdown processing complete
                }
                yield csts;
            }
            case 0x24 -> aqa;
            case 0x28 -> asq;
            case 0x2c -> asq >>> 32;
            case 0x30 -> acq;
            case 0x34 -> acq >>> 32;
            default -> 0;
        };
        if (width == 8 && (offset == 0x00 || offset == 0x28 || offset == 0x30)) {
            return switch ((int) offset) {
                case 0x00 -> cap();
                case 0x28 -> asq;
                default -> acq;
            };
        }
        return width == 4 || width == 8 ? v & 0xffff_ffffL : v;
    }

    @Override
    public synchronized void write(int bar, long offset, int width, long value) {
        if (offset >= 0x1000) {
            doorbell(offset, (int) value);
            return;
        }
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
    }

    private void writeCc(int value) {
        boolean wasEnabled = (cc & 1) != 0;
        cc = value;
        if ((value & (3 << 14)) != 0 && (csts & 3 << 2) == 0) {
            shutdownDoneAt = System.nanoTime() + shutdownNanos;
            csts = (csts & ~(3 << 2)) | (shutdownNanos == 0 ? 2 : 1) << 2; // complete, or in progress until then
        }
        if (!wasEnabled && (value & 1) != 0) {
            if ((asq & (PAGE - 1)) != 0 || (acq & (PAGE - 1)) != 0) {
                throw bug(Bug.QUEUES_NOT_PAGE_ALIGNED, "ASQ 0x" + Long.toHexString(asq) + " / ACQ 0x" + Long.toHexString(acq)
                        + " must be 4 KiB aligned");
            }
            sqs.put(0, new Sq(0, asq, (aqa & 0xfff) + 1, 0));
            cqs.put(0, new Cq(0, acq, ((aqa >>> 16) & 0xfff) + 1, true, 0));
            csts = (csts & ~(3 << 2)) | 1;
        } else if (wasEnabled && (value & 1) == 0) {
            sqs.clear();
            cqs.clear();
            granted = 0;
            generation++;
            csts &= ~(1 | 2 | 3 << 2); // a controller reset clears RDY, a fatal status and the shutdown state
        }
    }

    private void doorbell(long offset, int value) {
        int index = (int) ((offset - 0x1000) / 4);
        int qid = index / 2;
        if ((csts & 2) != 0 || (cc & 1) == 0) {
            return; // a fatal or disabled controller ignores doorbells
        }
        if (index % 2 == 1) {
            Cq cq = cqs.get(qid);
            if (cq == null) {
                throw bug(Bug.DOORBELL_FOR_MISSING_QUEUE, "CQ head doorbell for completion queue " + qid + ", which does not exist");
            }
            if (value < 0 || value >= cq.size) {
                throw bug(Bug.DOORBELL_BEYOND_QUEUE, "CQ " + qid + " head " + value + " is beyond its " + cq.size + " entries");
            }
            cq.head = value;
            return;
        }
        Sq sq = sqs.get(qid);
        if (sq == null) {
            throw bug(Bug.DOORBELL_FOR_MISSING_QUEUE, "SQ tail doorbell for submission queue " + qid
                    + ", which does not exist (deleted, or never created)");
        }
        if (value < 0 || value >= sq.size) {
            throw bug(Bug.DOORBELL_BEYOND_QUEUE, "SQ " + qid + " tail " + value + " is beyond its " + sq.size + " entries");
        }
        sq.tail = value;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sqe = a.allocate(64, 8);
            while (sq.head != sq.tail && (csts & 2) == 0) {
                ctx.dmaRead(Iova.of(sq.iova + (long) sq.head * 64), sqe);
                sq.head = (sq.head + 1) % sq.size;
                execute(sq, sqe);
            }
        }
    }

    private void execute(Sq sq, MemorySegment e) {
        int cdw0 = e.get(ValueLayout.JAVA_INT, 0);
        int cid = cdw0 >>> 16;
        int opc = cdw0 & 0xff;
        if ((cdw0 & 0xc300) != 0 || e.get(ValueLayout.JAVA_LONG, 8) != 0) {
            throw bug(Bug.RESERVED_FIELDS_SET, "command " + cid + " (opcode 0x" + Integer.toHexString(opc) + ") on SQ " + sq.qid
                    + " sets FUSE/PSDT or the reserved dwords 2-3");
        }
        int status;
        int[] dw0 = {0};
        Injected inject = injected.stream().filter(i -> i.opcode == opc && i.admin == (sq.qid == 0)).findFirst().orElse(null);
        if (inject != null) {
            injected.remove(inject);
            status = inject.status;
        } else {
            status = sq.qid == 0 ? admin(opc, e, dw0) : io(opc, e);
        }
        if (dropCompletions > 0) {
            dropCompletions--;
            return;
        }
        long delay = delayNanos;
        Delayed d = delayed.stream().filter(x -> x.opcode == opc && x.admin == (sq.qid == 0)).findFirst().orElse(null);
        if (d != null) {
            delayed.remove(d);
            delay = d.nanos;
        }
        if (delay > 0) {
            int result = dw0[0];
            long gen = generation;
            LATER.schedule(() -> {
                synchronized (this) {
                    if (gen == generation && cqs.get(sq.cqid) != null && (csts & 2) == 0) {
                        complete(sq, cid, status, result);
                    }
                }
            }, delay, java.util.concurrent.TimeUnit.NANOSECONDS);
            return;
        }
        complete(sq, cid, status, dw0[0]);
        if (duplicateCompletions > 0) {
            duplicateCompletions--;
            complete(sq, cid, status, dw0[0]);
        }
    }

    private void complete(Sq sq, int cid, int status, int dw0) {
        Cq cq = cqs.get(sq.cqid);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cqe = a.allocate(16, 8);
            cqe.set(ValueLayout.JAVA_INT, 0, dw0);
            cqe.set(ValueLayout.JAVA_SHORT, 8, (short) sq.head);
            cqe.set(ValueLayout.JAVA_SHORT, 10, (short) sq.qid);
            cqe.set(ValueLayout.JAVA_SHORT, 12, (short) cid);
            cqe.set(ValueLayout.JAVA_SHORT, 14, (short) (status << 1 | cq.phase));
            ctx.dmaWrite(Iova.of(cq.iova + (long) cq.tail * 16), cqe);
        }
        if (++cq.tail == cq.size) {
            cq.tail = 0;
            cq.phase ^= 1;
        }
        if (cq.interrupts) {
            ctx.raiseInterrupt(cq.vector);
        }
    }

    /** Moves {@code length} bytes between {@code buf} and the host memory PRP1/PRP2 describe. */
    private void transfer(long prp1, long prp2, MemorySegment buf, long length, boolean toHost) {
        new Prp(ctx, this::bug).transfer(prp1, prp2, buf, length, toHost);
    }

    private static int sc(int sct, int sc) {
        return sct << 8 | sc;
    }

    // --- admin -------------------------------------------------------------------------------

    private int admin(int opc, MemorySegment e, int[] dw0) {
        int cdw10 = e.get(ValueLayout.JAVA_INT, 40);
        int cdw11 = e.get(ValueLayout.JAVA_INT, 44);
        long prp1 = e.get(ValueLayout.JAVA_LONG, 24);
        long prp2 = e.get(ValueLayout.JAVA_LONG, 32);
        int nsid = e.get(ValueLayout.JAVA_INT, 4);
        return switch (opc) {
            case 0x06 -> identify(cdw10 & 0xff, nsid, prp1, prp2);
            case 0x09, 0x0a -> {
                if ((cdw10 & 0xff) != 0x07) {
                    yield sc(0, 0x02);
                }
                if (opc == 0x09) {
                    int asked = Math.min(cdw11 & 0xffff, cdw11 >>> 16) + 1;
                    granted = Math.min(asked, config.maxIoQueues());
                }
                int g = Math.max(granted, 1) - 1;
                dw0[0] = g << 16 | g;
                yield 0;
            }
            case 0x05 -> createCq(cdw10 & 0xffff, (cdw10 >>> 16) + 1, cdw11, prp1);
            case 0x01 -> createSq(cdw10 & 0xffff, (cdw10 >>> 16) + 1, cdw11, prp1);
            case 0x00 -> deleteSq(cdw10 & 0xffff);
            case 0x04 -> deleteCq(cdw10 & 0xffff);
            case 0x02 -> logPage(cdw10 & 0xff, ((cdw10 >>> 16) + 1) * 4L, prp1, prp2);
            case 0x08 -> {
                dw0[0] = 1; // the command was not aborted
                yield 0;
            }
            default -> sc(0, 0x01);
        };
    }

    private int identify(int cns, int nsid, long prp1, long prp2) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment d = a.allocate(PAGE, 8);
            int status = FakeIdentify.fill(cns, nsid, config, d);
            if (cns == 0x01) {
                d.set(ValueLayout.JAVA_INT, 88, (int) rtd3eMicros); // RTD3E
            }
            if (status == 0) {
                transfer(prp1, prp2, d, PAGE, true);
            }
            return status;
        }
    }

    private int createCq(int qid, int size, int cdw11, long prp1) {
        if (qid == 0 || qid > granted) {
            return sc(1, 0x01);
        }
        if (cqs.containsKey(qid)) {
            bug(Bug.QUEUE_CREATED_TWICE, "completion queue " + qid + " is created a second time");
            return sc(1, 0x01);
        }
        if ((cdw11 & 1) == 0) {
            return sc(0, 0x02); // this controller requires physically contiguous queues (CAP.CQR)
        }
        if (size < 2 || size > config.maxQueueEntries()) {
            return sc(1, 0x02);
        }
        if ((prp1 & (PAGE - 1)) != 0) {
            return sc(0, 0x13);
        }
        cqs.put(qid, new Cq(qid, prp1, size, (cdw11 & 2) != 0, cdw11 >>> 16));
        return 0;
    }

    private int createSq(int qid, int size, int cdw11, long prp1) {
        if (qid == 0 || qid > granted) {
            return sc(1, 0x01);
        }
        if (sqs.containsKey(qid)) {
            bug(Bug.QUEUE_CREATED_TWICE, "submission queue " + qid + " is created a second time");
            return sc(1, 0x01);
        }
        if (!cqs.containsKey(cdw11 >>> 16) || (cdw11 >>> 16) == 0) {
            return sc(1, 0x00);
        }
        if (size < 2 || size > config.maxQueueEntries()) {
            return sc(1, 0x02);
        }
        sqs.put(qid, new Sq(qid, prp1, size, cdw11 >>> 16));
        return 0;
    }

    private int deleteSq(int qid) {
        return qid != 0 && sqs.remove(qid) != null ? 0 : sc(1, 0x01);
    }

    private int deleteCq(int qid) {
        if (qid == 0 || !cqs.containsKey(qid)) {
            return sc(1, 0x01);
        }
        if (sqs.values().stream().anyMatch(s -> s.cqid == qid)) {
            return sc(1, 0x0c);
        }
        cqs.remove(qid);
        return 0;
    }

    private int logPage(int lid, long bytes, long prp1, long prp2) {
        if (lid != 0x01 && lid != 0x02) {
            return sc(1, 0x09);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment d = a.allocate(Math.max(bytes, 512), 8);
            if (lid == 0x02) {
                d.set(ValueLayout.JAVA_SHORT_UNALIGNED, 1, (short) 300); // 27 C
                d.set(ValueLayout.JAVA_BYTE, 3, (byte) 100);
                d.set(ValueLayout.JAVA_LONG, 32, dataUnitsRead);
                d.set(ValueLayout.JAVA_LONG, 48, dataUnitsWritten);
                d.set(ValueLayout.JAVA_LONG, 64, hostReads);
                d.set(ValueLayout.JAVA_LONG, 80, hostWrites);
            }
            transfer(prp1, prp2, d.asSlice(0, bytes), bytes, true);
        }
        return 0;
    }

    // --- I/O ---------------------------------------------------------------------------------

    private int io(int opc, MemorySegment e) {
        int nsid = e.get(ValueLayout.JAVA_INT, 4);
        if (nsid < 1 || nsid > config.namespaces().size()) {
            return sc(0, 0x0b);
        }
        FakeNamespace ns = config.namespaces().get(nsid - 1);
        long prp1 = e.get(ValueLayout.JAVA_LONG, 24);
        long prp2 = e.get(ValueLayout.JAVA_LONG, 32);
        long slba = Integer.toUnsignedLong(e.get(ValueLayout.JAVA_INT, 40)) | (long) e.get(ValueLayout.JAVA_INT, 44) << 32;
        int nlb = (e.get(ValueLayout.JAVA_INT, 48) & 0xffff) + 1;
        return switch (opc) {
            case 0x00 -> 0;
            case 0x01, 0x02 -> {
                if (slba < 0 || slba > ns.blocks() - nlb) {
                    yield sc(0, 0x80);
                }
                long bytes = (long) nlb * ns.blockSize();
                if (ns.isNull()) { // no data moves at all: what is left is the driver's own cost
                    yield config.mdts() != 0 && bytes > (PAGE << config.mdts()) ? sc(0, 0x02) : 0;
                }
                int status = FakeRw.run(opc == 0x02, ns, e, slba, nlb, config.mdts(), new Prp(ctx, this::bug), ctx, this::bug);
                if (status == 0 && opc == 0x02) {
                    hostReads++;
                    dataUnitsRead += (bytes + 511) / 512;
                } else if (status == 0) {
                    hostWrites++;
                    dataUnitsWritten += (bytes + 511) / 512;
                }
                yield status;
            }
            case 0x08 -> {
                if (slba < 0 || slba > ns.blocks() - nlb) {
                    yield sc(0, 0x80);
                }
                FakeRw.writeZeroes(ns, e, slba, nlb);
                yield 0;
            }
            case 0x09 -> {
                int ranges = (e.get(ValueLayout.JAVA_INT, 40) & 0xff) + 1;
                if ((e.get(ValueLayout.JAVA_INT, 44) & 4) != 0) {
                    try (Arena a = Arena.ofConfined()) {
                        MemorySegment r = a.allocate(16L * ranges, 8);
                        transfer(prp1, prp2, r, r.byteSize(), false);
                        for (int i = 0; i < ranges; i++) {
                            long len = Integer.toUnsignedLong(r.get(ValueLayout.JAVA_INT, 16L * i + 4));
                            long start = r.get(ValueLayout.JAVA_LONG, 16L * i + 8);
                            if (start < 0 || start > ns.blocks() - len) {
                                yield sc(0, 0x80);
                            }
                            ns.zero(start, len);
                        }
                    }
                }
                yield 0;
            }
            default -> sc(0, 0x01);
        };
    }

    @Override
    public synchronized void reset() {
        cc = 0;
        csts = 0;
        aqa = 0;
        asq = 0;
        acq = 0;
        intms = 0;
        sqs.clear();
        cqs.clear();
        granted = 0;
        injected.clear();
        delayed.clear();
        dropCompletions = 0;
        generation++;
    }
}
