package org.dma4j.nvme;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.Bar;
import org.dma4j.pci.Interrupts;
import org.dma4j.pci.IrqType;
import org.dma4j.pci.PciDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A polled NVMe driver for one controller (NVMe base spec 1.4/2.0, PCIe transport), written
 * only against {@link PciDevice} and its DMA space, so it runs on real VFIO and on the fake
 * alike. Bring-up: disable, wait CSTS.RDY=0 within CAP.TO, admin queues, enable, wait ready.
 * Admin commands are serialised; I/O goes through {@link IoQueue}s, one per thread.
 *
 * <p>The opener owns the controller; {@link #close()} deletes the I/O queues, shuts the
 * controller down (CC.SHN) and frees the admin queues. The {@link PciDevice} stays the caller's.
 */
public final class NvmeController implements AutoCloseable {
    /** Admin commands (NVMe base spec figure "Opcodes for Admin Commands"). */
    static final int DELETE_SQ = 0x00, CREATE_SQ = 0x01, GET_LOG_PAGE = 0x02, DELETE_CQ = 0x04, CREATE_CQ = 0x05,
            IDENTIFY = 0x06, ABORT = 0x08, SET_FEATURES = 0x09, GET_FEATURES = 0x0a;
    static final int FEATURE_NUMBER_OF_QUEUES = 0x07;
    private static final Logger LOG = LoggerFactory.getLogger(NvmeController.class);

    private final PciDevice device;
    private final Bar bar;
    private final NvmeRegs.Cap cap;
    private final QueuePair admin;
    private final Duration timeout;
    private final IdentifyController identify;
    private final int ioQueuesGranted;
    private final List<IoQueue> ioQueues = new ArrayList<>();
    private final DmaBuffer scratch;
    private final DmaMapping scratchMap;
    /** MSI-X vectors in interrupt mode; null when polling (the default). */
    private final Interrupts irq;
    private static final Duration IRQ_SLICE = Duration.ofMillis(1);
    private boolean closed;

    private NvmeController(PciDevice device, Duration timeout, int adminEntries, int ioQueuesWanted, boolean interrupts) {
        this.device = device;
        this.timeout = timeout;
        this.bar = device.bar(0);
        this.cap = new NvmeRegs.Cap(bar.read64(NvmeRegs.CAP));
        LOG.debug("{}: CAP 0x{}: {} entries per queue, doorbell stride {}, CAP.TO {} ms", device.address(),
                Long.toHexString(cap.raw()), cap.maxQueueEntries(), cap.doorbellStride(), cap.timeoutMillis());
        if (!cap.nvmCommandSet()) {
            throw new NvmeException(device.address() + " does not support the NVM command set (CAP.CSS)");
        }
        if (cap.minPageSize() > QueuePair.PAGE) {
            throw new NvmeException(device.address() + " needs memory pages of at least " + cap.minPageSize()
                    + " bytes (CAP.MPSMIN); dma4j drives 4 KiB pages");
        }
        device.setBusMaster(true);
        disable();
        if (interrupts) {
            int offered = device.interruptCount(IrqType.MSIX);
            if (offered == 0) {
                throw new NvmeException(device.address() + " offers no MSI-X vectors; use polled mode");
            }
            this.irq = device.enableInterrupts(IrqType.MSIX, Math.min(offered, ioQueuesWanted + 1));
        } else {
            this.irq = null;
        }
        int entries = Math.min(adminEntries, cap.maxQueueEntries());
        this.admin = new QueuePair(bar, device.dmaSpace(), 0, entries, cap.doorbellStride());
        this.scratch = DmaBuffer.allocate(QueuePair.PAGE);
        try {
            this.scratchMap = device.dmaSpace().map(scratch, DmaDirection.BIDIRECTIONAL);
            bar.write32(NvmeRegs.AQA, (entries - 1) | (entries - 1) << 16);
            write64(NvmeRegs.ASQ, admin.sqIova());
            write64(NvmeRegs.ACQ, admin.cqIova());
            bar.write32(NvmeRegs.CC, NvmeRegs.CC_EN | NvmeRegs.CC_IOSQES_64 | NvmeRegs.CC_IOCQES_16);
            waitReady(true);
            this.identify = IdentifyController.parse(identifyRaw(1, 0));
            this.ioQueuesGranted = Math.min(setNumberOfQueues(ioQueuesWanted), ioQueuesWanted);
            LOG.debug("{}: ready: admin queues of {} entries, {} of {} I/O queue pairs granted", device.address(), entries,
                    ioQueuesGranted, ioQueuesWanted);
        } catch (RuntimeException e) {
            try {
                disable();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            scratch.close();
            admin.close();
            if (irq != null) {
                irq.close();
            }
            throw e;
        }
    }

    /** A 64-bit register as two dword writes, low first: what every controller accepts. */
    private void write64(int offset, long value) {
        bar.write32(offset, (int) value);
        bar.write32(offset + 4, (int) (value >>> 32));
    }

    /** Brings up the controller of {@code device} with defaults: 32 admin entries, up to 8 I/O queues, 10 s per command. */
    public static NvmeController open(PciDevice device) {
        return open(device, Duration.ofSeconds(10), 32, 8);
    }

    /**
     * Brings up the controller with {@code ioQueues} I/O queue pairs asked for (it may grant
     * fewer; {@link #ioQueuesGranted()}), and {@code timeout} per command.
     */
    public static NvmeController open(PciDevice device, Duration timeout, int adminEntries, int ioQueues) {
        return new NvmeController(device, timeout, adminEntries, ioQueues, false);
    }

    /**
     * Like {@link #open(PciDevice, Duration, int, int)}, in MSI-X interrupt mode: every completion
     * queue signals a vector (I/O queue n uses vector n, modulo the vectors granted), and waiting
     * for a completion sleeps on it instead of spinning.
     */
    public static NvmeController openWithInterrupts(PciDevice device, Duration timeout, int adminEntries, int ioQueues) {
        return new NvmeController(device, timeout, adminEntries, ioQueues, true);
    }

    /** Whether completions signal MSI-X vectors (else the driver polls). */
    public boolean usesInterrupts() {
        return irq != null;
    }

    /** Waits a little for queue {@code q}: on its vector in interrupt mode, a spin hint otherwise. */
    private void idle(QueuePair q) {
        if (irq == null) {
            Thread.onSpinWait();
        } else {
            irq.await(q.qid % irq.count(), IRQ_SLICE);
        }
    }

    public PciDevice device() {
        return device;
    }

    public NvmeRegs.Cap cap() {
        return cap;
    }

    /** The controller's version register as "1.4.0". */
    public String version() {
        int vs = bar.read32(NvmeRegs.VS);
        return (vs >>> 16) + "." + ((vs >>> 8) & 0xff) + "." + (vs & 0xff);
    }

    public IdentifyController identify() {
        return identify;
    }

    /** How many I/O queue pairs this driver may create. */
    public int ioQueuesGranted() {
        return ioQueuesGranted;
    }

    /** The largest transfer one I/O command may move: MDTS, and what one PRP list page covers. */
    public long maxTransferBytes() {
        return Math.min(identify.maxTransferBytes(QueuePair.PAGE), (QueuePair.PAGE / 8) * QueuePair.PAGE);
    }

    private void disable() {
        int cc = bar.read32(NvmeRegs.CC);
        if ((cc & NvmeRegs.CC_EN) != 0) {
            bar.write32(NvmeRegs.CC, cc & ~NvmeRegs.CC_EN);
        }
        waitReady(false);
    }

    private void waitReady(boolean ready) {
        long deadline = System.nanoTime() + Math.max(cap.timeoutMillis(), 500) * 1_000_000;
        while (((bar.read32(NvmeRegs.CSTS) & NvmeRegs.CSTS_RDY) != 0) != ready) {
            if (ready && (bar.read32(NvmeRegs.CSTS) & NvmeRegs.CSTS_CFS) != 0) {
                throw new NvmeException(device.address() + ": controller fatal status (CSTS.CFS) while enabling");
            }
            if (System.nanoTime() > deadline) {
                throw new NvmeException.Timeout(device.address() + ": CSTS.RDY did not become " + (ready ? 1 : 0)
                        + " within CAP.TO (" + cap.timeoutMillis() + " ms)");
            }
            Thread.onSpinWait();
        }
    }

    /** Runs one admin command to completion; returns completion dword 0. */
    synchronized int adminCommand(int opc, int nsid, long prp1, long prp2, int cdw10, int cdw11, int cdw12) {
        ensureOpen();
        int cid = admin.allocateCid();
        admin.submit(cid, opc, nsid, prp1, prp2, cdw10, cdw11, cdw12, 0, 0, 0);
        return complete(admin, cid, timeout, "admin " + adminName(opc));
    }

    /**
     * Polls {@code q} until I/O command {@code cid} completes; throws on error status or timeout.
     * The error message is built only on failure, so a successful synchronous I/O allocates nothing.
     */
    void completeIo(QueuePair q, int cid, int opc, long lba, int blocks, int nsid) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!q.isDone(cid)) {
            if (q.poll() == 0) {
                if (stuck(deadline)) { // only then is the message built
                    checkStuck(q, cid, deadline, timeout, IoQueue.name(opc) + " of " + blocks + " blocks at LBA " + lba
                            + " on namespace " + nsid);
                }
                idle(q);
            }
        }
        if (q.status(cid) == 0) {
            q.release(cid);
            return;
        }
        complete(q, cid, timeout, IoQueue.name(opc) + " of " + blocks + " blocks at LBA " + lba + " on namespace " + nsid);
    }

    private boolean stuck(long deadline) {
        return System.nanoTime() > deadline || (bar.read32(NvmeRegs.CSTS) & NvmeRegs.CSTS_CFS) != 0;
    }

    /** Throws when the controller reports a fatal status or the command is past its deadline. */
    private void checkStuck(QueuePair q, int cid, long deadline, Duration limit, String what) {
        if ((bar.read32(NvmeRegs.CSTS) & NvmeRegs.CSTS_CFS) != 0) {
            throw new NvmeException(device.address() + ": controller fatal status (CSTS.CFS) during " + what);
        }
        if (System.nanoTime() > deadline) {
            // The CID stays taken: a late completion must not be matched to a new command.
            throw new NvmeException.Timeout(what + " (CID " + cid + " on queue " + q.qid + ") did not complete within "
                    + limit.toMillis() + " ms");
        }
    }

    /** Polls {@code q} until {@code cid} completes; throws on error status or timeout. Returns dword 0. */
    int complete(QueuePair q, int cid, Duration limit, String what) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!q.isDone(cid)) {
            if (q.poll() == 0) {
                checkStuck(q, cid, deadline, limit, what);
                idle(q);
            }
        }
        int status = q.status(cid);
        int dw0 = q.result(cid);
        q.release(cid);
        if (status != 0) {
            NvmeStatus s = NvmeStatus.of(status);
            throw new NvmeException(what + " failed on queue " + q.qid + ": " + s, s);
        }
        return dw0;
    }

    static String adminName(int opc) {
        return switch (opc) {
            case DELETE_SQ -> "Delete I/O SQ";
            case CREATE_SQ -> "Create I/O SQ";
            case GET_LOG_PAGE -> "Get Log Page";
            case DELETE_CQ -> "Delete I/O CQ";
            case CREATE_CQ -> "Create I/O CQ";
            case IDENTIFY -> "Identify";
            case ABORT -> "Abort";
            case SET_FEATURES -> "Set Features";
            case GET_FEATURES -> "Get Features";
            default -> "opcode 0x" + Integer.toHexString(opc);
        };
    }

    private synchronized MemorySegment identifyRaw(int cns, int nsid) {
        adminCommand(IDENTIFY, nsid, scratchMap.iova().value(), 0, cns, 0, 0);
        // A copy on the heap, backed by longs so that aligned field reads work on it.
        MemorySegment copy = MemorySegment.ofArray(new long[(int) (QueuePair.PAGE / 8)]);
        copy.copyFrom(scratch.segment());
        return copy;
    }

    /** Set Features, Number of Queues: asks for {@code n} I/O SQs and CQs; returns how many were granted. */
    private int setNumberOfQueues(int n) {
        int dw0 = adminCommand(SET_FEATURES, 0, 0, 0, FEATURE_NUMBER_OF_QUEUES, (n - 1) << 16 | (n - 1), 0);
        return Math.min(dw0 & 0xffff, dw0 >>> 16) + 1;
    }

    /** The active namespaces (Identify CNS 02h, then Identify Namespace for each). */
    public synchronized List<Namespace> namespaces() {
        MemorySegment list = identifyRaw(2, 0);
        List<Namespace> out = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            int nsid = list.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * i);
            if (nsid == 0) {
                break;
            }
            out.add(namespace(nsid));
        }
        return out;
    }

    /** Identify Namespace for {@code nsid}. */
    public synchronized Namespace namespace(int nsid) {
        Namespace ns = Namespace.parse(nsid, identifyRaw(0, nsid));
        if (ns.blocks() == 0) {
            throw new NvmeException("namespace " + nsid + " of " + device.address() + " is not active (NSZE is 0)");
        }
        return ns;
    }

    /** The SMART / Health Information log page (LID 02h). */
    public synchronized SmartLog smartLog() {
        int dwords = 512 / 4;
        adminCommand(GET_LOG_PAGE, 0xffffffff, scratchMap.iova().value(), 0, (dwords - 1) << 16 | 0x02, 0, 0);
        return SmartLog.parse(scratch.segment());
    }

    /** Get Features, Number of Queues: the I/O submission and completion queues the controller allocated. */
    public synchronized int numberOfQueuesAllocated() {
        int dw0 = adminCommand(GET_FEATURES, 0, 0, 0, FEATURE_NUMBER_OF_QUEUES, 0, 0);
        return Math.min(dw0 & 0xffff, dw0 >>> 16) + 1;
    }

    /** The Error Information log page (LID 01h): up to {@code entries} entries (64 bytes each), newest first. */
    public synchronized List<ErrorLogEntry> errorLog(int entries) {
        int n = Math.max(1, Math.min(entries, 64));
        int dwords = n * 64 / 4;
        adminCommand(GET_LOG_PAGE, 0xffffffff, scratchMap.iova().value(), 0, (dwords - 1) << 16 | 0x01, 0, 0);
        List<ErrorLogEntry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ErrorLogEntry e = ErrorLogEntry.parse(scratch.segment().asSlice(64L * i, 64));
            if (e.errorCount() != 0) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * Abort: asks the controller to abort command {@code cid} of {@code queue}. Returns whether it
     * says it did (it may complete the command normally instead; both are allowed by the spec).
     */
    public boolean abort(IoQueue queue, int cid) {
        int dw0 = adminCommand(ABORT, 0, 0, 0, cid << 16 | queue.qid(), 0, 0);
        return (dw0 & 1) == 0;
    }

    /** Creates the next I/O queue pair with {@code entries} entries (at most CAP.MQES+1). */
    public synchronized IoQueue createIoQueue(int entries) {
        ensureOpen();
        if (ioQueues.size() >= ioQueuesGranted) {
            throw new NvmeException(device.address() + " granted " + ioQueuesGranted + " I/O queue pairs; all are in use");
        }
        int size = Math.min(entries, cap.maxQueueEntries());
        if (size < 2) {
            throw new IllegalArgumentException("an I/O queue needs at least 2 entries, not " + entries);
        }
        int qid = 1;
        while (true) {
            int candidate = qid;
            if (ioQueues.stream().noneMatch(q -> q.qid() == candidate)) {
                break;
            }
            qid++;
        }
        QueuePair qp = new QueuePair(bar, device.dmaSpace(), qid, size, cap.doorbellStride());
        try {
            int ien = irq == null ? 0 : (qid % irq.count()) << 16 | 1 << 1; // IV and IEN in interrupt mode
            adminCommand(CREATE_CQ, 0, qp.cqIova(), 0, (size - 1) << 16 | qid, ien | 1, 0); // PC=1
            try {
                adminCommand(CREATE_SQ, 0, qp.sqIova(), 0, (size - 1) << 16 | qid, qid << 16 | 1, 0); // CQ qid, PC=1
            } catch (RuntimeException e) {
                adminCommand(DELETE_CQ, 0, 0, 0, qid, 0, 0);
                throw e;
            }
        } catch (RuntimeException e) {
            qp.close();
            throw e;
        }
        IoQueue q = new IoQueue(this, qp);
        ioQueues.add(q);
        LOG.debug("{}: I/O queue {} created: {} entries, SQ at IOVA 0x{}, CQ at IOVA 0x{}", device.address(), qid, size,
                Long.toHexString(qp.sqIova()), Long.toHexString(qp.cqIova()));
        return q;
    }

    /** Deletes an I/O queue pair (SQ first, then CQ) and frees its memory. */
    synchronized void deleteIoQueue(IoQueue q) {
        if (!ioQueues.remove(q)) {
            return;
        }
        try {
            adminCommand(DELETE_SQ, 0, 0, 0, q.qid(), 0, 0);
            adminCommand(DELETE_CQ, 0, 0, 0, q.qid(), 0, 0);
        } finally {
            q.pair().close();
        }
    }

    Duration timeout() {
        return timeout;
    }

    private void ensureOpen() {
        if (closed) {
            throw new org.dma4j.AlreadyClosedException("NVMe controller " + device.address());
        }
    }

    /** Deletes the I/O queues, shuts the controller down (CC.SHN normal) and frees the admin queues. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            for (IoQueue q : new ArrayList<>(ioQueues)) {
                q.close();
            }
            bar.write32(NvmeRegs.CC, (bar.read32(NvmeRegs.CC) & ~(3 << 14)) | NvmeRegs.CC_SHN_NORMAL);
            long deadline = System.nanoTime() + Math.max(cap.timeoutMillis(), 1000) * 1_000_000;
            while ((bar.read32(NvmeRegs.CSTS) & NvmeRegs.CSTS_SHST_MASK) != NvmeRegs.CSTS_SHST_COMPLETE
                    && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            disable(); // no DMA to the admin queues once they are freed
        } finally {
            closed = true;
            scratchMap.close();
            scratch.close();
            admin.close();
            if (irq != null) {
                irq.close();
            }
        }
    }
}
