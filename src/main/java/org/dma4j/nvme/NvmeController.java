package org.dma4j.nvme;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.AlreadyClosedException;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.nvme.spec.AdminCommands;
import org.dma4j.nvme.spec.AdminOpcode;
import org.dma4j.nvme.spec.Cns;
import org.dma4j.nvme.spec.ErrorLogPage;
import org.dma4j.nvme.spec.FeatureId;
import org.dma4j.nvme.spec.IdCtrl;
import org.dma4j.nvme.spec.IdNs;
import org.dma4j.nvme.spec.LogPageId;
import org.dma4j.nvme.spec.SmartLogPage;
import org.dma4j.nvme.spec.Sqe;
import org.dma4j.pci.Bar;
import org.dma4j.pci.Interrupts;
import org.dma4j.pci.IrqType;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A polled NVMe driver for one controller (NVMe base spec 1.4/2.0, PCIe transport), written
 * only against {@link PciDevice} and its DMA space, so it runs on real VFIO and on the fake
 * alike. Bring-up: disable, wait CSTS.RDY=0 within CAP.TO, admin queues, enable, wait ready.
 * Admin commands are serialised; I/O goes through {@link IoQueue}s, one per thread.
 *
 * <p>A command that does not complete within the timeout has a defined fate, as in Linux's
 * driver: an admin command resets the controller; an I/O command is aborted (Abort), given one
 * more timeout to complete, and if it still has not, the controller is reset. Controller Fatal
 * Status (CSTS.CFS) resets it too. {@link #reset()} fails every outstanding command with
 * {@link NvmeException.Reset}, so a late completion can never be taken for a new command, and
 * no memory is reused for DMA before the controller that might still write it is disabled.
 *
 * <p>Who closes it: the opener. {@link #close()} deletes the I/O queues, shuts the controller
 * down (CC.SHN) and frees the queues. A controller opened from a PCI address
 * ({@link #open(PciAddress)}) owns the device it opened (which owns its DMA space) and closes it
 * last; one opened on a caller's {@link PciDevice} ({@link #open(PciDevice)}) leaves the device,
 * and its space, to the caller. Any close order is safe: if the device closed first (or its
 * space, which turns bus mastering off), {@code close()} skips what needs the device and only
 * frees the memory, which the device can no longer reach.
 */
public final class NvmeController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NvmeController.class);

    private final PciDevice device;
    /** Whether {@link #close()} closes the device too (it was opened from a PCI address). */
    private volatile boolean ownsDevice;

    private final Bar bar;
    private final NvmeRegs.Cap cap;
    private final ControllerRegs regs;
    /** The admin queue pair; its spare page receives Identify data and log pages. */
    private final QueuePair admin;

    private final Duration timeout;
    private final IdentifyController identify;
    private final int ioQueuesWanted;
    private final int ioQueuesGranted;
    private final List<IoQueue> ioQueues = new ArrayList<>();
    /** MSI-X vectors in interrupt mode; null when polling (the default). */
    private final Interrupts irq;

    private static final Duration IRQ_SLICE = Duration.ofMillis(1);
    private Duration shutdownFloor = ControllerRegs.SHUTDOWN_FLOOR;
    /** Set once bring-up is done: from then on a timeout or CSTS.CFS resets the controller. */
    private volatile boolean up;

    private volatile boolean resetting;
    /** Why the last reset failed; non-null makes every command throw until a reset succeeds. */
    private RuntimeException failed;

    private volatile long resets;
    private boolean closed;
    private final Completions completions = new Completions(this);

    /**
     * Brings the controller up. On failure every step done so far is undone in reverse (the
     * controller disabled before its queues are unmapped, unmapped before freed, vectors
     * disabled) and the first error is thrown with the others suppressed.
     */
    private NvmeController(
            PciDevice device, Duration timeout, int adminEntries, int ioQueuesWanted, boolean interrupts) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the command timeout must be positive, not " + timeout);
        }
        if (adminEntries < 2 || ioQueuesWanted < 1 || ioQueuesWanted > 65535) {
            throw new IllegalArgumentException("an NVMe controller needs at least 2 admin queue entries and 1 to 65535"
                    + " I/O queues, not " + adminEntries + " and " + ioQueuesWanted);
        }
        this.device = device;
        this.timeout = timeout;
        this.ioQueuesWanted = ioQueuesWanted;
        this.bar = device.bar(0);
        this.cap = new NvmeRegs.Cap(bar.read64(NvmeRegs.CAP));
        LOG.debug(
                "{}: CAP 0x{}: {} entries per queue, doorbell stride {}, CAP.TO {} ms",
                device.address(),
                Long.toHexString(cap.raw()),
                cap.maxQueueEntries(),
                cap.doorbellStride(),
                cap.timeoutMillis());
        this.regs = new ControllerRegs(bar, cap, device.address().toString());
        if (cap.raw() == -1L) {
            throw new NvmeException(ControllerRegs.gone(device.address().toString(), "CAP"));
        }
        if (cap.maxQueueEntries()
                < 2) { // MQES is 0's based and the spec forbids 0: a queue of one entry holds no command
            throw new NvmeException(device.address() + " reports CAP.MQES 0 (queues of 1 entry), which the NVMe spec"
                    + " forbids; the device's registers are corrupt");
        }
        if (doorbellEnd(0) > bar.size()) {
            throw new NvmeException(device.address() + " reports a doorbell stride of " + cap.doorbellStride()
                    + " bytes (CAP.DSTRD), which puts the admin queue's doorbells beyond BAR0's " + bar.size()
                    + " bytes");
        }
        if (!cap.nvmCommandSet()) {
            throw new NvmeException(device.address() + " does not support the NVM command set (CAP.CSS)");
        }
        if (cap.minPageSize() > QueuePair.PAGE) {
            throw new NvmeException(device.address() + " needs memory pages of at least " + cap.minPageSize()
                    + " bytes (CAP.MPSMIN); dma4j drives 4 KiB pages");
        }
        Undo undo = new Undo();
        try {
            device.setBusMaster(true);
            regs.disable();
            if (interrupts) {
                int offered = device.interruptCount(IrqType.MSIX);
                if (offered == 0) {
                    throw new NvmeException(device.address() + " offers no MSI-X vectors; use polled mode");
                }
                this.irq = device.enableInterrupts(IrqType.MSIX, Math.min(offered, ioQueuesWanted + 1));
                undo.push(irq::close);
            } else {
                this.irq = null;
            }
            int entries = Math.min(adminEntries, cap.maxQueueEntries());
            this.admin =
                    new QueuePair(bar, device.dmaSpace(), 0, entries, cap.doorbellStride(), DmaDirection.BIDIRECTIONAL);
            undo.push(admin::close);
            undo.push(regs::disable); // runs first: no DMA into the admin queues once they are unmapped
            regs.enable(admin);
            this.identify = IdentifyController.parse(identifyRaw(Cns.CONTROLLER, 0));
            this.ioQueuesGranted = Math.min(setNumberOfQueues(ioQueuesWanted), ioQueuesWanted);
            LOG.debug(
                    "{}: ready: admin queues of {} entries, {} of {} I/O queue pairs granted",
                    device.address(),
                    entries,
                    ioQueuesGranted,
                    ioQueuesWanted);
        } catch (RuntimeException e) {
            throw undo.unwind(e);
        } catch (Error e) {
            throw undo.unwind(e);
        }
        this.up = true;
    }

    /** The end of queue {@code qid}'s doorbells (SQ tail, then CQ head) in BAR0. */
    private long doorbellEnd(int qid) {
        return NvmeRegs.DOORBELLS + (2L * qid + 2) * cap.doorbellStride();
    }

    /**
     * Opens the VFIO device at {@code address} on the DMA space {@code DmaSpaces.choose} picks and
     * brings its controller up with defaults. The controller owns the device (and so its space)
     * and closes it; if bring-up fails, the device is closed again.
     */
    public static NvmeController open(PciAddress address) {
        return openOwning(VfioPciDevice.open(address));
    }

    /**
     * Brings up the controller of {@code device} with defaults and takes the device over: the
     * controller closes it, last, on {@link #close()}, and at once if bring-up fails.
     */
    public static NvmeController openOwning(PciDevice device) {
        try {
            NvmeController c = open(device);
            c.ownsDevice = true;
            return c;
        } catch (RuntimeException e) {
            try {
                device.close();
            } catch (RuntimeException s) {
                e.addSuppressed(s);
            }
            throw e;
        }
    }

    /**
     * Brings up the controller of {@code device} with defaults: 32 admin entries, up to 8 I/O
     * queues, 10 s per command. The device stays the caller's to close (after the controller).
     */
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
    public static NvmeController openWithInterrupts(
            PciDevice device, Duration timeout, int adminEntries, int ioQueues) {
        return new NvmeController(device, timeout, adminEntries, ioQueues, true);
    }

    /** Whether completions signal MSI-X vectors (else the driver polls). */
    public boolean usesInterrupts() {
        return irq != null;
    }

    /** Waits a little for queue {@code q}: on its vector in interrupt mode, a spin hint otherwise. */
    void idle(QueuePair q) {
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

    /** How many times the controller was reset since it was opened (by {@link #reset()}, a timeout or CSTS.CFS). */
    public long resets() {
        return resets;
    }

    /**
     * Sets the least time {@link #close()} waits for the shutdown to complete (default 5 s, as
     * Linux's {@code nvme_core.shutdown_timeout}); a larger RTD3E from Identify Controller raises
     * it, up to 60 s.
     */
    public synchronized void setShutdownTimeout(Duration least) {
        if (least.isNegative()) {
            throw new IllegalArgumentException("a shutdown timeout cannot be negative: " + least);
        }
        shutdownFloor = least;
    }

    /** How long {@link #close()} waits for CSTS.SHST to report the shutdown complete. */
    public synchronized Duration shutdownTimeout() {
        return ControllerRegs.shutdownTimeout(identify.rtd3eMicros(), shutdownFloor);
    }

    /** An admin command: writes its entry, with identifier {@code cid}, at {@code offset} of {@code sq}. */
    @FunctionalInterface
    interface AdminCommand {
        void write(MemorySegment sq, long offset, int cid);
    }

    /** Runs one admin command (an encoder of {@link AdminCommands}) to completion; returns completion dword 0. */
    synchronized int adminCommand(AdminCommand command) {
        ensureUsable();
        int cid = admin.allocateCid();
        if (cid < 0) { // admin commands run one at a time; only a leak could get here
            throw new NvmeException(device.address() + ": no free command identifier on the admin queue");
        }
        long slot = admin.nextSlot();
        command.write(admin.sq(), slot, cid);
        String name = AdminOpcode.nameOf(Sqe.opcode(admin.sq(), slot));
        admin.submit(cid);
        return complete(admin, cid, "admin " + name);
    }

    /**
     * Polls {@code q} until I/O command {@code cid} completes; throws on error status, timeout or
     * reset. The error message is built only on failure, so a successful synchronous I/O allocates nothing.
     */
    void completeIo(QueuePair q, int cid, int opc, long lba, int blocks, int nsid) {
        completions.await(q, cid, null, opc, lba, blocks, nsid);
        completions.finish(q, cid, null, opc, lba, blocks, nsid);
    }

    /** Polls {@code q} until {@code cid} completes; throws on error status, timeout or reset. Returns dword 0. */
    int complete(QueuePair q, int cid, String what) {
        completions.await(q, cid, what, 0, 0, 0, 0);
        return completions.finish(q, cid, what, 0, 0, 0, 0);
    }

    /** Whether a timeout or CSTS.CFS should reset the controller: it is up, and not resetting already. */
    boolean recoverable() {
        return up && !resetting;
    }

    boolean isAdmin(QueuePair q) {
        return q == admin;
    }

    ControllerRegs regs() {
        return regs;
    }

    /**
     * Resets the controller: disables it (it stops all DMA and forgets every queue), re-creates
     * the admin queue, enables it, asks for the same number of I/O queues, and marks every I/O
     * queue for re-creation with its qid, size and memory. Each I/O queue is re-created by its
     * owning thread on its next use (submit, poll or a synchronous command), so that no thread's
     * queue changes under it; its outstanding commands then fail with {@link NvmeException.Reset}.
     * If the reset fails, every command throws until a reset succeeds; close still works.
     */
    public synchronized void reset() {
        if (closed) {
            throw new AlreadyClosedException("NVMe controller " + device.address());
        }
        reset("asked for");
    }

    synchronized void reset(String why) {
        LOG.warn("{}: resetting the controller: {}", device.address(), why);
        resetting = true;
        try {
            for (IoQueue q : ioQueues) {
                q.pair().stale = true;
            }
            regs.disable();
            admin.resetAfterDisable();
            admin.releaseAll(); // admin commands run one at a time: the one that led here is resolved by it
            regs.enable(admin);
            failed = null;
            int granted = setNumberOfQueues(ioQueuesWanted);
            if (granted < ioQueues.size()) {
                LOG.warn(
                        "{}: after the reset the controller grants {} I/O queues; {} exist",
                        device.address(),
                        granted,
                        ioQueues.size());
            }
            resets++;
        } catch (RuntimeException e) {
            failed = e;
            throw new NvmeException(
                    device.address() + ": the controller reset failed; it is unusable until a reset" + " succeeds", e);
        } finally {
            resetting = false;
        }
    }

    /** Re-creates a stale I/O queue after a reset; its outstanding commands fail ({@link QueuePair#RESET}). */
    synchronized void revive(QueuePair qp) {
        if (!qp.stale) {
            return;
        }
        ensureUsable();
        qp.resetAfterDisable();
        createOnDevice(qp);
        qp.stale = false;
    }

    private synchronized MemorySegment identifyRaw(Cns cns, int nsid) {
        adminCommand((s, at, cid) -> AdminCommands.identify(s, at, cid, cns, nsid, admin.spareIova(), 0));
        // A copy on the heap, backed by longs so that aligned field reads work on it.
        MemorySegment copy = MemorySegment.ofArray(new long[IdCtrl.SIZE / Long.BYTES]);
        copy.copyFrom(admin.spare());
        return copy;
    }

    /** Set Features, Number of Queues: asks for {@code n} I/O SQs and CQs; returns how many were granted. */
    private int setNumberOfQueues(int n) {
        int dw0 = adminCommand((s, at, cid) -> AdminCommands.setNumberOfQueues(s, at, cid, n, n));
        return Math.min(AdminCommands.submissionQueuesOf(dw0), AdminCommands.completionQueuesOf(dw0));
    }

    /** The active namespaces (Identify CNS 02h, then Identify Namespace for each). */
    public synchronized List<Namespace> namespaces() {
        MemorySegment list = identifyRaw(Cns.ACTIVE_NAMESPACES, 0);
        List<Namespace> out = new ArrayList<>();
        for (int i = 0; i < IdNs.ACTIVE_LIST_ENTRIES; i++) {
            int nsid = IdNs.activeNsid(list, i);
            if (nsid == 0) {
                break;
            }
            out.add(namespace(nsid));
        }
        return out;
    }

    /**
     * Identify Namespace for {@code nsid}. A namespace whose format dma4j cannot read or write is
     * returned too ({@link Namespace#isSupported()}); I/O on it throws {@link NvmeException.UnsupportedFormat}.
     */
    public synchronized Namespace namespace(int nsid) {
        Namespace ns = Namespace.parse(nsid, identifyRaw(Cns.NAMESPACE, nsid), " of " + device.address());
        if (ns.blocks() == 0) {
            throw new NvmeException("namespace " + nsid + " of " + device.address() + " is not active (NSZE is 0)");
        }
        return ns;
    }

    /** The SMART / Health Information log page (LID 02h). */
    public synchronized SmartLog smartLog() {
        adminCommand((s, at, cid) -> AdminCommands.getLogPage(
                s, at, cid, LogPageId.SMART_HEALTH, AdminCommands.NSID_ALL, SmartLogPage.SIZE, admin.spareIova(), 0));
        return SmartLog.parse(admin.spare());
    }

    /** Get Features, Number of Queues: the I/O submission and completion queues the controller allocated. */
    public synchronized int numberOfQueuesAllocated() {
        int dw0 = adminCommand((s, at, cid) -> AdminCommands.getFeatures(s, at, cid, FeatureId.NUMBER_OF_QUEUES));
        return Math.min(AdminCommands.submissionQueuesOf(dw0), AdminCommands.completionQueuesOf(dw0));
    }

    /** The Error Information log page (LID 01h): up to {@code entries} entries (64 bytes each), newest first. */
    public synchronized List<ErrorLogEntry> errorLog(int entries) {
        int n = Math.max(1, Math.min(entries, (int) QueuePair.PAGE / ErrorLogPage.ENTRY_SIZE));
        adminCommand((s, at, cid) -> AdminCommands.getLogPage(
                s,
                at,
                cid,
                LogPageId.ERROR_INFORMATION,
                AdminCommands.NSID_ALL,
                (long) n * ErrorLogPage.ENTRY_SIZE,
                admin.spareIova(),
                0));
        List<ErrorLogEntry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ErrorLogEntry e = ErrorLogEntry.parse(admin.spare(), i);
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
        return abort(queue.qid(), cid);
    }

    boolean abort(int qid, int cid) {
        int dw0 = adminCommand((s, at, c) -> AdminCommands.abort(s, at, c, qid, cid));
        return (dw0 & AdminCommands.ABORT_NOT_ABORTED) == 0;
    }

    /** Creates the next I/O queue pair with {@code entries} entries (at most CAP.MQES+1). */
    public synchronized IoQueue createIoQueue(int entries) {
        ensureUsable();
        if (ioQueues.size() >= ioQueuesGranted) {
            throw new NvmeException(
                    device.address() + " granted " + ioQueuesGranted + " I/O queue pairs; all are in use");
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
        if (doorbellEnd(qid) > bar.size()) {
            throw new NvmeException(device.address() + ": I/O queue " + qid + "'s doorbells lie beyond BAR0's "
                    + bar.size() + " bytes at a stride of " + cap.doorbellStride()
                    + " bytes (CAP.DSTRD); the device cannot have granted it");
        }
        QueuePair qp = new QueuePair(bar, device.dmaSpace(), qid, size, cap.doorbellStride(), DmaDirection.TO_DEVICE);
        try {
            createOnDevice(qp);
        } catch (RuntimeException e) {
            Undo undo = new Undo();
            undo.push(qp::close);
            throw undo.unwind(e);
        }
        IoQueue q = new IoQueue(this, qp);
        ioQueues.add(q);
        LOG.debug(
                "{}: I/O queue {} created: {} entries, SQ at IOVA 0x{}, CQ at IOVA 0x{}",
                device.address(),
                qid,
                size,
                Long.toHexString(qp.sqIova()),
                Long.toHexString(qp.cqIova()));
        return q;
    }

    /** Create I/O CQ, then Create I/O SQ; deletes the CQ again if the SQ fails. */
    private void createOnDevice(QueuePair qp) {
        int qid = qp.qid;
        int size = qp.entries;
        boolean interrupts = irq != null;
        int vector = interrupts ? qid % irq.count() : 0;
        adminCommand(
                (s, at, cid) -> AdminCommands.createIoCq(s, at, cid, qid, size, qp.cqIova(), true, interrupts, vector));
        try {
            adminCommand((s, at, cid) -> AdminCommands.createIoSq(s, at, cid, qid, size, qp.sqIova(), true, qid));
        } catch (RuntimeException e) {
            Undo undo = new Undo();
            undo.push(() -> adminCommand((s, at, cid) -> AdminCommands.deleteIoCq(s, at, cid, qid)));
            throw undo.unwind(e);
        }
    }

    /** Deletes an I/O queue pair (SQ first, then CQ; not when a reset took it already) and frees its memory. */
    synchronized void deleteIoQueue(IoQueue q) {
        if (!ioQueues.remove(q)) {
            return;
        }
        QueuePair qp = q.pair();
        Undo undo = new Undo();
        undo.push(qp::close);
        boolean dma;
        RuntimeException unknown = null;
        try {
            dma = canDma();
        } catch (RuntimeException e) {
            // Cannot tell (config space unreadable): delete it on the device anyway, or the controller keeps a
            // queue whose memory is freed here and refuses the qid when it is created again (found by fail_nth).
            unknown = e;
            dma = true;
        }
        if (!qp.stale && failed == null && dma) {
            undo.push(() -> adminCommand((s, at, cid) -> AdminCommands.deleteIoCq(s, at, cid, qp.qid)));
            undo.push(() -> adminCommand((s, at, cid) -> AdminCommands.deleteIoSq(s, at, cid, qp.qid)));
        }
        if (unknown != null) {
            throw undo.unwind(unknown);
        }
        undo.run();
    }

    /**
     * Whether the controller can still run a command: its device is open and bus mastering is on.
     * Not when the device closed first, or its DMA space did (which turns bus mastering off).
     */
    private boolean canDma() {
        if (!device.isOpen()) {
            return false;
        }
        return (device.configRead(PciDevice.COMMAND, 2) & PciDevice.COMMAND_MASTER) != 0;
    }

    Duration timeout() {
        return timeout;
    }

    private void ensureUsable() {
        if (closed) {
            throw new AlreadyClosedException("NVMe controller " + device.address());
        }
        if (failed != null) {
            throw new NvmeException(
                    device.address() + ": the last controller reset failed (" + failed.getMessage()
                            + "); reset it again or close it",
                    failed);
        }
    }

    /**
     * Deletes the I/O queues, shuts the controller down (CC.SHN normal, waiting up to
     * {@link #shutdownTimeout()}), disables it, then unmaps and frees the admin queues and
     * disables the vectors. Everything is released even when a step fails; the first failure is
     * then thrown with the rest suppressed. A shutdown that does not complete in time is such a
     * failure ({@link NvmeException.Timeout}, also logged): the controller is disabled anyway, and
     * data in its volatile write cache may be lost. Closing twice is harmless.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        Undo undo = new Undo();
        if (ownsDevice) {
            undo.push(device::close); // last
        }
        // The device or its space may have closed first: then no command can reach the controller
        // (nor can it DMA), and only the memory is left to free.
        boolean reachable = device.isOpen();
        boolean dma = true;
        RuntimeException probe = null;
        try {
            dma = canDma();
        } catch (RuntimeException e) { // unknown: try the commands too; this failure surfaces first
            probe = e;
        }
        if (!dma) {
            LOG.warn(
                    "{}: {} before its NVMe controller; freeing the queues without commands",
                    device.address(),
                    reachable ? "bus mastering was turned off (its DMA space closed?)" : "the device closed");
            for (IoQueue q : ioQueues) {
                q.pair().stale = true; // no Delete I/O SQ/CQ
            }
        }
        if (irq != null) {
            undo.push(irq::close);
        }
        undo.push(admin::close);
        if (reachable) {
            undo.push(regs::disable); // no DMA to the admin queues once they are freed
        }
        undo.push(() -> closed = true);
        if (failed == null && reachable) {
            Duration limit = shutdownTimeout();
            undo.push(() -> {
                try {
                    regs.shutdown(limit);
                } catch (NvmeException.Timeout e) {
                    LOG.warn("{}", e.getMessage());
                    throw e;
                }
            });
        }
        for (IoQueue q : ioQueues.reversed()) {
            undo.push(q::close);
        }
        if (probe != null) {
            RuntimeException first = probe;
            undo.push(() -> {
                throw first;
            });
        }
        undo.run();
    }
}
