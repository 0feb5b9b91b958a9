package org.dma4j.nvme;

import java.util.concurrent.CompletableFuture;
import org.dma4j.ConcurrentUseException;
import org.dma4j.StateException;
import org.dma4j.iommu.DmaMapException;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.nvme.spec.DsmRange;
import org.dma4j.nvme.spec.NvmCommands;
import org.dma4j.nvme.spec.NvmOpcode;

/**
 * One I/O queue pair of an {@link NvmeController}: Read, Write, Flush, Write Zeroes and Dataset
 * Management (deallocate), each synchronous, or Read and Write submitted and polled for queue
 * depth. Data moves to and from {@link DmaMapping}s of the controller's DMA space; PRP1, PRP2
 * and PRP lists are built here, counting each block as {@link Namespace#blockSize()} bytes
 * (metadata included for extended LBAs); a separate-metadata namespace takes a second mapping,
 * sent as MPTR, and protection information is left to the controller (PRACT).
 *
 * <p>Three ways to learn that a command completed:
 * <ul>
 * <li>{@link #poll(CompletionHandler)} (or {@link #poll(int[], int[])}) after
 *     {@link #submitRead}/{@link #submitWrite}: each completion is handed over once, as (CID,
 *     status, dword 0), its CID already free; the cost is per completion, not per queue slot.
 *     This is the hot path: it allocates nothing and takes no lock.</li>
 * <li>{@link #poll()}, then {@link #isDone(int)} and {@link #finish(int)} per command: the
 *     same completions, found by the caller.</li>
 * <li>{@link #readAsync}/{@link #writeAsync}: a {@link java.util.concurrent.CompletableFuture}
 *     per command, for code off the hot path (it allocates).</li>
 * </ul>
 *
 * <p>Threading: a queue belongs to one thread at a time (hand it over with a happens-before,
 * e.g. a thread start). Only that thread submits, polls and runs synchronous commands; a
 * completion handler runs on it, inside {@code poll}, and so do the futures' completions and
 * their dependent stages (unless given an executor). Other threads use other queues: a second
 * thread submitting or polling while the owner is inside submit or poll gets a
 * {@link ConcurrentUseException} (best-effort, without a lock) rather than a corrupted queue. After a
 * controller reset the queue is re-created (same qid, size and memory) on its owner's next use,
 * and the commands it had outstanding fail with {@link NvmeException.Reset} (a handler sees
 * {@link CompletionHandler#RESET}). {@link #close()} deletes the queue pair from the controller;
 * futures still outstanding then fail. Closing the controller from another thread while the owner
 * submits or polls makes the owner's next use throw {@link org.dma4j.AlreadyClosedException}.
 */
public final class IoQueue implements AutoCloseable {
    private final NvmeController controller;
    private final QueuePair qp;
    private final long maxTransfer;
    private boolean closed;
    /** The thread inside submit or poll, and how deep (a handler may submit): plain fields, a best-effort check. */
    private Thread user;

    private int depth;

    IoQueue(NvmeController controller, QueuePair qp) {
        this.controller = controller;
        this.qp = qp;
        this.maxTransfer = controller.maxTransferBytes();
    }

    int qid() {
        return qp.qid;
    }

    QueuePair pair() {
        return qp;
    }

    /** Commands that can be submitted before the queue is full. */
    public int free() {
        return qp.free();
    }

    /** Completions the controller posted for no outstanding command (reported, then dropped). */
    public long unexpectedCompletions() {
        return qp.unexpectedCompletions();
    }

    /**
     * Reads {@code blocks} blocks at {@code lba} into {@code buf} from {@code offset}; splits transfers above MDTS.
     * A block takes {@link Namespace#blockSize()} bytes of the buffer (data and, for extended LBAs, its metadata).
     *
     * @throws NvmeException.UnsupportedFormat when dma4j cannot read the namespace's format
     * @throws IllegalArgumentException when the namespace has separate metadata: use the overload with a metadata buffer
     */
    public void read(Namespace ns, long lba, int blocks, DmaMapping buf, long offset) {
        transfer(NvmOpcode.READ, ns, lba, blocks, buf, offset, null, 0);
    }

    /**
     * Reads as {@link #read(Namespace, long, int, DmaMapping, long)}, and each block's separate metadata
     * ({@link Namespace#separateMetadataSize()} bytes) into {@code metadata} from {@code metadataOffset}.
     */
    public void read(
            Namespace ns, long lba, int blocks, DmaMapping buf, long offset, DmaMapping metadata, long metadataOffset) {
        transfer(NvmOpcode.READ, ns, lba, blocks, buf, offset, metadata, metadataOffset);
    }

    /**
     * Writes {@code blocks} blocks at {@code lba} from {@code buf} at {@code offset}; splits transfers above MDTS.
     * A block takes {@link Namespace#blockSize()} bytes of the buffer (data and, for extended LBAs, its metadata).
     *
     * @throws NvmeException.UnsupportedFormat when dma4j cannot write the namespace's format
     * @throws IllegalArgumentException when the namespace has separate metadata: use the overload with a metadata buffer
     */
    public void write(Namespace ns, long lba, int blocks, DmaMapping buf, long offset) {
        transfer(NvmOpcode.WRITE, ns, lba, blocks, buf, offset, null, 0);
    }

    /**
     * Writes as {@link #write(Namespace, long, int, DmaMapping, long)}, and each block's separate metadata
     * ({@link Namespace#separateMetadataSize()} bytes) from {@code metadata} at {@code metadataOffset}.
     */
    public void write(
            Namespace ns, long lba, int blocks, DmaMapping buf, long offset, DmaMapping metadata, long metadataOffset) {
        transfer(NvmOpcode.WRITE, ns, lba, blocks, buf, offset, metadata, metadataOffset);
    }

    private void transfer(
            NvmOpcode op,
            Namespace ns,
            long lba,
            int blocks,
            DmaMapping buf,
            long offset,
            DmaMapping md,
            long mdOffset) {
        int perCommand = (int) Math.min(65536, maxTransfer / ns.blockSize());
        int done = 0;
        while (done < blocks) {
            int n = Math.min(perCommand, blocks - done);
            int cid = submit(
                    op,
                    ns,
                    lba + done,
                    n,
                    buf,
                    offset + (long) done * ns.blockSize(),
                    md,
                    mdOffset + (long) done * ns.separateMetadataSize(),
                    QueuePair.SYNC,
                    null);
            if (cid < 0) {
                throw new NvmeException("queue " + qp.qid + " is full; poll it before submitting synchronously");
            }
            controller.completeIo(qp, cid, op.value(), lba + done, n, ns.nsid());
            done += n;
        }
    }

    /** Submits a Read; returns its command identifier, or -1 when the queue is full. Allocates nothing. */
    public int submitRead(Namespace ns, long lba, int blocks, DmaMapping buf, long offset) {
        return submit(NvmOpcode.READ, ns, lba, blocks, buf, offset, null, 0, QueuePair.ASYNC, null);
    }

    /** Submits a Read with a separate metadata buffer; returns its command identifier, or -1 when the queue is full. */
    public int submitRead(
            Namespace ns, long lba, int blocks, DmaMapping buf, long offset, DmaMapping metadata, long metadataOffset) {
        return submit(NvmOpcode.READ, ns, lba, blocks, buf, offset, metadata, metadataOffset, QueuePair.ASYNC, null);
    }

    /** Submits a Write; returns its command identifier, or -1 when the queue is full. Allocates nothing. */
    public int submitWrite(Namespace ns, long lba, int blocks, DmaMapping buf, long offset) {
        return submit(NvmOpcode.WRITE, ns, lba, blocks, buf, offset, null, 0, QueuePair.ASYNC, null);
    }

    /** Submits a Write with a separate metadata buffer; returns its command identifier, or -1 when the queue is full. */
    public int submitWrite(
            Namespace ns, long lba, int blocks, DmaMapping buf, long offset, DmaMapping metadata, long metadataOffset) {
        return submit(NvmOpcode.WRITE, ns, lba, blocks, buf, offset, metadata, metadataOffset, QueuePair.ASYNC, null);
    }

    private int submit(
            NvmOpcode op,
            Namespace ns,
            long lba,
            int blocks,
            DmaMapping buf,
            long offset,
            DmaMapping md,
            long mdOffset,
            byte how,
            CompletableFuture<Void> future) {
        enter();
        try {
            return submitOwned(op, ns, lba, blocks, buf, offset, md, mdOffset, how, future);
        } finally {
            exit();
        }
    }

    private int submitOwned(
            NvmOpcode op,
            Namespace ns,
            long lba,
            int blocks,
            DmaMapping buf,
            long offset,
            DmaMapping md,
            long mdOffset,
            byte how,
            CompletableFuture<Void> future) {
        int opc = op.value();
        ensureOpen();
        ns.checkSupported(); // before anything reaches the controller
        long bytes = (long) blocks * ns.blockSize();
        if (blocks < 1 || blocks > 65536) {
            throw new IllegalArgumentException(name(opc) + " of " + blocks + " blocks: one command moves 1 to 65536");
        }
        if (lba < 0 || lba > ns.blocks() - blocks) {
            throw new IllegalArgumentException(name(opc) + " of " + blocks + " blocks at LBA " + lba
                    + " is outside namespace " + ns.nsid() + " (" + ns.blocks() + " blocks)");
        }
        if (bytes > maxTransfer) {
            throw new IllegalArgumentException(
                    name(opc) + " of " + bytes + " bytes exceeds the controller's maximum transfer of " + maxTransfer
                            + " bytes (MDTS); split it, as read() and write() do");
        }
        if (offset < 0 || offset > buf.length() - bytes || (offset & 3) != 0) {
            throw new IllegalArgumentException(name(opc) + " of " + bytes + " bytes at offset " + offset
                    + " does not fit " + buf + " dword-aligned");
        }
        checkMapping(opc, buf);
        long mptr = metadataPointer(opc, ns, blocks, md, mdOffset);
        if (md != null) {
            checkMapping(opc, md);
        }
        revive();
        int cid = future == null ? qp.allocateCid(how) : qp.allocateCid(future);
        if (cid < 0) {
            return -1;
        }
        long iova = buf.iova().value() + offset;
        long prp2 = qp.prp2(cid, iova, bytes);
        try {
            NvmCommands.rw(
                    qp.sq(),
                    qp.nextSlot(),
                    op,
                    cid,
                    ns.nsid(),
                    lba,
                    blocks,
                    iova,
                    prp2,
                    mptr,
                    ns.prinfo(),
                    ns.refTag() ? (int) lba : 0);
        } catch (IllegalStateException e) {
            throw qp.closedUnder(e);
        }
        qp.submit(cid);
        return cid;
    }

    /**
     * The device may reach {@code buf} only if it is a live mapping of this controller's DMA space:
     * another space's IOVA means something else here (or nothing), and an unmapped one may be reused.
     */
    private void checkMapping(int opc, DmaMapping buf) {
        if (!buf.sameSpaceAs(qp.sqMapping())) {
            throw new DmaMapException.InvalidRequest(name(opc) + " on queue " + qp.qid + ": " + buf + " is a mapping of"
                    + " another DMA space; map the buffer with this controller's device().dmaSpace()");
        }
        if (!buf.isLive()) {
            throw new DmaMapException.InvalidRequest(name(opc) + " on queue " + qp.qid + ": " + buf + " is unmapped;"
                    + " map the buffer again before I/O");
        }
    }

    /** After a controller reset: re-creates the queue on the controller (its outstanding commands fail). */
    private void revive() {
        if (qp.stale) {
            controller.revive(qp);
        }
    }

    /** MPTR: the metadata buffer's address for a separate-metadata namespace, else 0 (and then there must be none). */
    private static long metadataPointer(int opc, Namespace ns, int blocks, DmaMapping md, long mdOffset) {
        long mdBytes = (long) blocks * ns.separateMetadataSize();
        if (mdBytes == 0) {
            if (md != null) {
                throw new IllegalArgumentException(name(opc) + " on namespace " + ns.nsid() + " (" + ns.describe()
                        + ") was given a metadata buffer, but no metadata travels separately in this format");
            }
            return 0;
        }
        if (md == null) { // a controller would DMA the metadata to address 0
            throw new IllegalArgumentException(name(opc) + " on namespace " + ns.nsid() + " (" + ns.describe()
                    + ") needs a" + " metadata buffer of " + ns.separateMetadataSize()
                    + " bytes per block: use the overload that takes one");
        }
        if (mdOffset < 0 || mdOffset > md.length() - mdBytes || (mdOffset & 3) != 0) {
            throw new IllegalArgumentException(name(opc) + " of " + blocks + " blocks' metadata (" + mdBytes
                    + " bytes) at offset " + mdOffset + " does not fit " + md + " dword-aligned");
        }
        return md.iova().value() + mdOffset;
    }

    /**
     * Hands each command submitted with {@code submitRead}/{@code submitWrite} that has completed
     * to {@code handler}, as (CID, status, dword 0), its CID already free for the next
     * submission; returns how many. O(completions): no scan of the queue's slots. Allocates
     * nothing and takes no lock. Call it from the thread that owns the queue. Commands with a
     * future ({@link #readAsync}) are completed by the same poll.
     *
     * @throws NvmeException.InvalidCompletion when the controller posted an entry that cannot be
     *     trusted (after handing over the valid ones); polling again continues
     */
    public int poll(CompletionHandler handler) {
        if (handler == null) {
            throw new IllegalArgumentException(
                    "poll needs a CompletionHandler; poll() records completions for isDone instead");
        }
        enter();
        try {
            ensureOpen();
            revive();
            return qp.poll(handler, Integer.MAX_VALUE);
        } finally {
            exit();
        }
    }

    /**
     * Fills {@code cids} (and {@code statuses}, if not null: 0, {@link CompletionHandler#RESET} or an error
     * status) with the commands that completed, at most {@code cids.length}; returns how many.
     * Their CIDs are free again. Completions beyond the arrays' room stay for the next call.
     * Allocates nothing; call it from the thread that owns the queue.
     */
    public int poll(int[] cids, int[] statuses) {
        if (statuses != null && statuses.length < cids.length) {
            throw new IllegalArgumentException("statuses has room for " + statuses.length + " completions, cids for "
                    + cids.length + "; give it at least as many");
        }
        enter();
        try {
            ensureOpen();
            revive();
            batch.cids = cids;
            batch.statuses = statuses;
            batch.n = 0;
            qp.poll(batch, cids.length);
            return batch.n;
        } finally {
            batch.cids = null;
            batch.statuses = null;
            exit();
        }
    }

    /** The handler behind {@link #poll(int[], int[])}: one per queue, reused. */
    private static final class Batch implements CompletionHandler {
        int[] cids;
        int[] statuses;
        int n;

        @Override
        public void complete(int cid, int status, int result) {
            cids[n] = cid;
            if (statuses != null) {
                statuses[n] = status;
            }
            n++;
        }
    }

    private final Batch batch = new Batch();

    /**
     * The exception for a completion a {@link CompletionHandler} got with a {@code status} other
     * than 0 ({@link NvmeException.Reset} for {@link CompletionHandler#RESET}), naming the
     * command: call it from the handler, before the CID is used again. Allocates (it is for errors).
     */
    public NvmeException failure(int cid, int status) {
        checkCid(cid);
        if (status == 0) {
            throw new IllegalArgumentException(
                    "status 0 is a success, not a failure (CID " + cid + " on queue " + qp.qid + ")");
        }
        return Completions.failure(name(qp.opcode(cid)), cid, qp.qid, status);
    }

    /**
     * Reaps the completions posted so far and records them for {@link #isDone(int)} and
     * {@link #finish(int)}; returns how many commands became done (after a controller reset,
     * those it failed count too). Allocates nothing. {@link #poll(CompletionHandler)} does
     * the same work without the caller scanning for done commands.
     */
    public int poll() {
        enter();
        try {
            ensureOpen();
            revive();
            return qp.poll();
        } finally {
            exit();
        }
    }

    /** Whether command {@code cid} has completed (and was recorded by {@link #poll()} or a synchronous command). */
    public boolean isDone(int cid) {
        checkCid(cid);
        return qp.isDone(cid);
    }

    /** Finishes a completed command: frees its identifier and throws if it failed. */
    public void finish(int cid) {
        checkCid(cid);
        if (!qp.isDone(cid)) {
            throw new StateException("command " + cid + " on queue " + qp.qid + " has not completed; poll first");
        }
        int status = qp.status(cid);
        int opc = qp.opcode(cid);
        qp.release(cid);
        if (status != 0) {
            throw Completions.failure(name(opc), cid, qp.qid, status);
        }
    }

    private void checkCid(int cid) {
        if (!qp.validCid(cid)) {
            throw new IllegalArgumentException(
                    "queue " + qp.qid + " has command identifiers 0 to " + (qp.entries - 2) + ", not " + cid);
        }
    }

    /**
     * Submits a Read and returns a future for it: a convenience for code off the hot path (it
     * allocates the future and, on failure, its exception). The future is completed by the thread
     * that owns the queue, when it polls ({@link #poll()}, {@link #poll(CompletionHandler)}, or a
     * synchronous command on this queue): dependent stages without an executor run there, inside
     * the poll. Waiting for it ({@code join}) on the owning thread without polling never returns.
     * It fails with {@link NvmeException} on an error status, {@link NvmeException.Reset} when a
     * controller reset failed the command (seen at the owner's next use of the queue), and
     * {@link NvmeException} when the queue is closed first. Arguments are checked at once.
     *
     * @throws NvmeException when the queue is full (poll to complete commands first)
     */
    public CompletableFuture<Void> readAsync(Namespace ns, long lba, int blocks, DmaMapping buf, long offset) {
        return submitAsync(NvmOpcode.READ, ns, lba, blocks, buf, offset);
    }

    /** Submits a Write and returns a future for it; as {@link #readAsync}. */
    public CompletableFuture<Void> writeAsync(Namespace ns, long lba, int blocks, DmaMapping buf, long offset) {
        return submitAsync(NvmOpcode.WRITE, ns, lba, blocks, buf, offset);
    }

    private CompletableFuture<Void> submitAsync(
            NvmOpcode op, Namespace ns, long lba, int blocks, DmaMapping buf, long offset) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (submit(op, ns, lba, blocks, buf, offset, null, 0, QueuePair.FUTURE, f) < 0) {
            throw new NvmeException("queue " + qp.qid + " is full (" + (qp.entries - 1)
                    + " commands outstanding); poll it to" + " complete some before submitting more");
        }
        return f;
    }

    /** Flush: makes data in a volatile write cache non-volatile. */
    public void flush(Namespace ns) {
        int cid = allocate();
        NvmCommands.flush(qp.sq(), qp.nextSlot(), cid, ns.nsid());
        qp.submit(cid);
        controller.complete(qp, cid, "Flush of namespace " + ns.nsid());
    }

    /** Write Zeroes of {@code blocks} blocks at {@code lba}. */
    public void writeZeroes(Namespace ns, long lba, int blocks) {
        checkRange(ns, lba, blocks, "Write Zeroes");
        int cid = allocate();
        // With protection information the controller generates it for the zeroes too (PRACT).
        NvmCommands.writeZeroes(
                qp.sq(), qp.nextSlot(), cid, ns.nsid(), lba, blocks, ns.prinfo(), ns.refTag() ? (int) lba : 0);
        qp.submit(cid);
        controller.complete(qp, cid, "Write Zeroes of " + blocks + " blocks at LBA " + lba);
    }

    /** Dataset Management with the Deallocate attribute for one range. */
    public void deallocate(Namespace ns, long lba, int blocks) {
        checkRange(ns, lba, blocks, "Deallocate");
        int cid = allocate();
        DsmRange.set(
                qp.spare(),
                0,
                lba,
                blocks); // the spare page is free: the last synchronous command that used it has completed
        NvmCommands.datasetManagement(qp.sq(), qp.nextSlot(), cid, ns.nsid(), 1, NvmCommands.DSM_AD, qp.spareIova(), 0);
        qp.submit(cid);
        controller.complete(qp, cid, "Deallocate of " + blocks + " blocks at LBA " + lba);
    }

    private int allocate() {
        ensureOpen();
        revive();
        int cid = qp.allocateCid();
        if (cid < 0) {
            throw new NvmeException("queue " + qp.qid + " is full; poll it before submitting synchronously");
        }
        return cid;
    }

    private static void checkRange(Namespace ns, long lba, int blocks, String what) {
        if (blocks < 1 || blocks > 65536 || lba < 0 || lba > ns.blocks() - blocks) {
            throw new IllegalArgumentException(what + " of " + blocks + " blocks at LBA " + lba
                    + " is outside namespace " + ns.nsid() + " (" + ns.blocks() + " blocks) or not 1 to 65536 blocks");
        }
    }

    static String name(int opc) {
        return NvmOpcode.nameOf(opc);
    }

    /**
     * Marks this thread as inside submit or poll; another thread already inside is a
     * {@link ConcurrentUseException}, not a corrupted queue. Plain fields: no lock and no fence on
     * the hot path, so the check is best-effort (as {@link java.util.ConcurrentModificationException}),
     * which is enough to catch a queue shared between threads.
     */
    private void enter() {
        Thread me = Thread.currentThread();
        Thread other = user;
        if (other != null && other != me) {
            throw new ConcurrentUseException("I/O queue " + qp.qid + " is in use by thread '" + other.getName()
                    + "' while '" + me.getName() + "' submits or polls; a queue belongs to one thread at a time:"
                    + " create one queue per thread, or hand it over (thread start, lock, concurrent queue)");
        }
        user = me;
        depth++;
    }

    private void exit() {
        if (--depth == 0) {
            user = null;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new org.dma4j.AlreadyClosedException("I/O queue " + qp.qid);
        }
    }

    /** Deletes the queue pair from the controller and frees its memory. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        qp.failFutures("the queue was closed");
        controller.deleteIoQueue(this);
    }
}
