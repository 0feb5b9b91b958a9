package org.dma4j.nvme;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import org.dma4j.AlreadyClosedException;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.nvme.spec.Cqe;
import org.dma4j.nvme.spec.PrpList;
import org.dma4j.nvme.spec.Sqe;
import org.dma4j.pci.Bar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One submission queue and its completion queue, in DMA memory: command identifiers, phase
 * tags, doorbells (the CQ head doorbell rung once per batch of completions) and one PRP list
 * page per command. A command is written straight into its slot ({@link #sq()} at
 * {@link #nextSlot()}) by an encoder of {@code org.dma4j.nvme.spec}, then {@link #submit(int)}
 * rings the doorbell. Submitting and polling allocate nothing and take no lock: a queue pair
 * belongs to one thread. Completions that do not match an outstanding command are reported and
 * dropped, never trusted.
 */
final class QueuePair implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueuePair.class);
    static final long PAGE = 4096;

    final int qid;
    final int entries;
    private final Bar bar;
    private final long sqDoorbell;
    private final long cqDoorbell;
    private final QueueMemory memory;
    private final MemorySegment sq;
    private final MemorySegment cq;
    private final MemorySegment prp;
    private final long[] prpIova;
    /**
     * Set by {@link NvmeController#reset()} on an I/O queue the controller no longer has; the
     * owning thread re-creates it on its next use. Volatile: the one cross-thread field.
     */
    volatile boolean stale;

    private int sqTail;
    private int sqHead;
    private long staleHeads;
    private int cqHead;
    private int phase = 1;
    private final int[] freeCids;
    private int freeTop;
    private final boolean[] outstanding;
    private final boolean[] done;
    private final int[] status;
    private final int[] result;
    private final byte[] opcode;
    /** Who takes each command's completion: {@link #SYNC}, {@link #ASYNC} or {@link #FUTURE}. */
    private final byte[] mode;
    /** Commands done but not yet handed to a {@link CompletionHandler}: a FIFO ring, each CID at most once. */
    private final int[] ready;

    private final boolean[] queued;
    private int readyHead;
    private int readyCount;
    /** The futures of {@link #FUTURE} commands; made on first use, so queues that never use futures pay nothing. */
    private CompletableFuture<?>[] futures;

    private long unexpected;
    /** The first bogus completion of the current poll (0: none), and its fields: reported after the valid ones. */
    private int bogus;

    private int bogusCid;
    private int bogusSqid;
    private int bogusHead;
    /** Commands a reset finished since the last poll: the next poll counts them. */
    private int finishedByReset;
    /** The status of a command that was outstanding when the controller was reset (no CQE status is negative). */
    static final int RESET = CompletionHandler.RESET;
    /** A synchronous command: its waiter collects the completion ({@link #isDone}, {@link #release}). */
    static final byte SYNC = 0;
    /** A command submitted for polling: a {@link CompletionHandler}, or {@link #isDone} and {@link #release}. */
    static final byte ASYNC = 1;
    /** A command with a future: the poll that sees its completion frees its CID and completes the future. */
    static final byte FUTURE = 2;

    private static final int CID_RANGE = 1, NOT_OUTSTANDING = 2, WRONG_SQ = 3, BAD_HEAD = 4;

    /**
     * Allocates and maps the queues from {@code space}; the spare page (Identify data, a DSM range)
     * is mapped {@code spareDirection}. On failure everything done so far is undone.
     */
    QueuePair(Bar bar, DmaSpace space, int qid, int entries, int doorbellStride, DmaDirection spareDirection) {
        this.qid = qid;
        this.entries = entries;
        this.bar = bar;
        this.sqDoorbell = NvmeRegs.DOORBELLS + (long) (2 * qid) * doorbellStride;
        this.cqDoorbell = NvmeRegs.DOORBELLS + (long) (2 * qid + 1) * doorbellStride;
        int cids = entries - 1; // a full SQ holds entries - 1 commands
        memory = new QueueMemory(
                space, align((long) entries * Sqe.SIZE), align((long) entries * Cqe.SIZE), cids, spareDirection);
        sq = memory.sq.memory();
        cq = memory.cq.memory();
        prp = memory.prp;
        prpIova = memory.prpIova;
        freeCids = new int[cids];
        for (int i = 0; i < cids; i++) {
            freeCids[i] = cids - 1 - i;
        }
        freeTop = cids;
        outstanding = new boolean[cids];
        done = new boolean[cids];
        status = new int[cids];
        result = new int[cids];
        opcode = new byte[cids];
        mode = new byte[cids];
        ready = new int[cids];
        queued = new boolean[cids];
    }

    private static long align(long n) {
        return (n + PAGE - 1) & -PAGE;
    }

    /** The submission queue's mapping: it names the DMA space of this queue pair. */
    DmaMapping sqMapping() {
        return memory.sq;
    }

    long sqIova() {
        return memory.sq.iova().value();
    }

    long cqIova() {
        return memory.cq.iova().value();
    }

    /** The spare page as the CPU sees it. */
    MemorySegment spare() {
        return memory.spare.memory();
    }

    long spareIova() {
        return memory.spare.iova().value();
    }

    /** Completions whose SQ head was out of order (behind the last one taken or past the tail): kept, head not taken. */
    long staleSqHeads() {
        return staleHeads;
    }

    /** Commands that can still be submitted. */
    int free() {
        return freeTop;
    }

    /** Completions seen for no outstanding command (bogus or duplicate CIDs). */
    long unexpectedCompletions() {
        return unexpected;
    }

    /**
     * The PRP entries for {@code length} bytes at {@code iova} (contiguous in IOVA space) for
     * command {@code cid}: PRP2 is the second page, or the command's PRP list, or 0.
     */
    long prp2(int cid, long iova, long length) {
        long first = PAGE - (iova & (PAGE - 1));
        if (length <= first) {
            return 0;
        }
        long pages = (length - first + PAGE - 1) / PAGE; // pages after the first
        long next = (iova & -PAGE) + PAGE;
        if (pages == 1) {
            return next;
        }
        if (pages > PrpList.entriesPerPage(PAGE)) {
            throw new IllegalArgumentException(length + " bytes need " + pages + " PRP entries; one list page holds "
                    + PrpList.entriesPerPage(PAGE));
        }
        long list = (long) cid * PAGE;
        try {
            for (long i = 0; i < pages; i++) {
                PrpList.setEntry(prp, list, i, next + i * PAGE);
            }
        } catch (IllegalStateException e) {
            throw closedUnder(e);
        }
        return prpIova[cid];
    }

    /** Takes a command identifier for a synchronous command, or -1 when the queue is full. */
    int allocateCid() {
        return allocateCid(SYNC);
    }

    /** Takes a command identifier whose completion goes to {@code how} ({@link #SYNC}, {@link #ASYNC}), or -1 when full. */
    int allocateCid(byte how) {
        if (freeTop == 0) {
            return -1;
        }
        int cid = freeCids[--freeTop];
        mode[cid] = how;
        return cid;
    }

    /** Takes a command identifier whose completion completes {@code future}, or -1 when the queue is full. */
    int allocateCid(CompletableFuture<?> future) {
        int cid = allocateCid(FUTURE);
        if (cid >= 0) {
            if (futures == null) {
                futures = new CompletableFuture<?>[freeCids.length];
            }
            futures[cid] = future;
        }
        return cid;
    }

    /** The submission queue as the CPU sees it: commands are written into it at {@link #nextSlot()}. */
    MemorySegment sq() {
        return sq;
    }

    /**
     * The queue's memory was freed by another thread (its controller closed) while this one used
     * it: an {@link AlreadyClosedException}, not the arena's IllegalStateException. The catch costs
     * nothing until it happens.
     */
    RuntimeException closedUnder(IllegalStateException e) {
        if (sq.scope().isAlive() && cq.scope().isAlive()) {
            return e;
        }
        AlreadyClosedException c = new AlreadyClosedException(
                "queue " + qid + " (its controller was closed while this thread" + " used it)");
        c.initCause(e);
        return c;
    }

    /** The byte offset in {@link #sq()} of the slot the next command goes to (the SQ tail). */
    long nextSlot() {
        return (long) sqTail * Sqe.SIZE;
    }

    /**
     * Submits the command just written at {@link #nextSlot()} with identifier {@code cid}: marks it
     * outstanding and rings the SQ tail doorbell.
     */
    void submit(int cid) {
        try {
            opcode[cid] = (byte) Sqe.opcode(sq, nextSlot());
        } catch (IllegalStateException e) {
            throw closedUnder(e);
        }
        outstanding[cid] = true;
        done[cid] = false;
        sqTail = sqTail + 1 == entries ? 0 : sqTail + 1; // no division on the hot path
        bar.write32(sqDoorbell, sqTail); // a release store: the entry is visible before the doorbell
    }

    /**
     * Reaps every completion posted so far, recording each (for {@link #isDone}); commands with a
     * future complete it. Rings the CQ head doorbell once. Returns how many commands became done,
     * those a reset finished included.
     */
    int poll() {
        try {
            return reap();
        } catch (IllegalStateException e) {
            throw closedUnder(e);
        }
    }

    private int reap() {
        int n = finishedByReset;
        finishedByReset = 0;
        return n + reap(null, Integer.MAX_VALUE);
    }

    /**
     * Hands every completed command to {@code handler}: first those already recorded (by a
     * synchronous command's wait, {@link #poll()} or a reset), then every completion posted so
     * far. Each CID is freed before its handler call, so the handler may submit again. The CQ
     * head doorbell is rung once, even when the handler throws. Hands over at most {@code max};
     * the rest stay for the next poll. Returns how many were handed over.
     *
     * @throws NvmeException.InvalidCompletion after the valid completions, if any entry was bogus
     */
    int poll(CompletionHandler handler, int max) {
        finishedByReset = 0;
        int n = 0;
        while (readyCount > 0 && n < max) {
            int cid = ready[readyHead];
            readyHead = readyHead + 1 == ready.length ? 0 : readyHead + 1;
            readyCount--;
            queued[cid] = false;
            if (done[cid] && mode[cid] == ASYNC) { // else collected meanwhile by finish(cid)
                int s = status[cid];
                int r = result[cid];
                release(cid);
                n++;
                handler.complete(cid, s, r);
            }
        }
        return n + reap(handler, max - n);
    }

    /**
     * The one completion queue consumer (admin and I/O queues, synchronous and polled commands):
     * validates each entry before it is used, then records it, or hands it to {@code handler}
     * (null: record), or completes its future. Stops after handing {@code max} to the handler.
     * Returns how many commands it completed (null handler) or handed to the handler.
     */
    private int reap(CompletionHandler handler, int max) {
        int n = 0;
        int handed = 0;
        int consumed = 0;
        bogus = 0;
        try {
            while (handed < max) {
                long at = (long) cqHead * Cqe.SIZE;
                int dw3 = Cqe.dw3Acquire(cq, at);
                if (Cqe.phaseOf(dw3) != phase) {
                    break;
                }
                int cid = Cqe.cidOf(dw3);
                int sqid = Cqe.sqId(cq, at);
                int head = Cqe.sqHead(cq, at);
                int dw0 = Cqe.dw0(cq, at);
                if (++cqHead == entries) {
                    cqHead = 0;
                    phase ^= 1;
                }
                consumed++;
                int problem = check(cid, sqid, head);
                if (problem != 0) {
                    bogus(problem, cid, sqid, head);
                    continue;
                }
                int fetched = head - sqHead; // both in [0, entries): a wrap is one add, not a division (floorMod)
                if (fetched < 0) {
                    fetched += entries;
                }
                int submitted = sqTail - sqHead;
                if (submitted < 0) {
                    submitted += entries;
                }
                if (fetched <= submitted) {
                    sqHead = head;
                } else {
                    // Out of order, not corrupt: a controller may post completions in another order
                    // than it fetched their commands (Linux ignores SQHD for this reason). Flow control
                    // needs no SQ head here (CIDs bound the queue), so the entry stands and only the
                    // head is not taken.
                    staleHeads++;
                }
                outstanding[cid] = false;
                int s = Cqe.statusOf(dw3);
                n++;
                if (mode[cid] == FUTURE) {
                    complete(cid, s, dw0);
                } else if (handler != null && mode[cid] == ASYNC) {
                    release(cid);
                    handed++;
                    handler.complete(cid, s, dw0);
                } else {
                    done[cid] = true;
                    status[cid] = s;
                    result[cid] = dw0;
                    if (mode[cid] == ASYNC) {
                        enqueue(cid);
                    }
                }
            }
        } finally {
            if (consumed > 0) { // bogus entries included: they are consumed too
                bar.write32(cqDoorbell, cqHead);
            }
        }
        if (bogus != 0) {
            throw invalid();
        }
        return handler == null ? n : handed;
    }

    /**
     * Why a completion entry cannot be trusted (0: it can): its CID is not a command of this
     * queue, or not outstanding (a duplicate), it names another SQ, or its SQ head is not a slot
     * of the queue. (A head outside the entries submitted and not yet reported fetched is only
     * out of order: counted in {@link #staleSqHeads()}, not taken, the entry kept.)
     */
    private int check(int cid, int sqid, int head) {
        if (cid >= outstanding.length) {
            return CID_RANGE;
        }
        if (!outstanding[cid]) {
            return NOT_OUTSTANDING;
        }
        if (sqid != qid) {
            return WRONG_SQ;
        }
        if (head >= entries) {
            return BAD_HEAD;
        }
        return 0;
    }

    private void bogus(int problem, int cid, int sqid, int head) {
        unexpected++;
        if (bogus == 0) {
            bogus = problem;
            bogusCid = cid;
            bogusSqid = sqid;
            bogusHead = head;
        }
        LOG.warn(
                "queue {}: completion entry (CID {}, SQ ID {}, SQ head {}) dropped: {}",
                qid,
                cid,
                sqid,
                head,
                reason(problem));
    }

    private String reason(int problem) {
        return switch (problem) {
            case CID_RANGE -> "the CID is beyond the queue's " + outstanding.length + " command identifiers";
            case NOT_OUTSTANDING -> "no command with that CID is outstanding (a duplicate or bogus completion)";
            case WRONG_SQ -> "it names another submission queue than " + qid;
            default -> "the SQ head is beyond the queue's " + entries + " entries";
        };
    }

    private NvmeException.InvalidCompletion invalid() {
        return new NvmeException.InvalidCompletion(
                "queue " + qid + ": the controller posted a completion entry that cannot be"
                        + " trusted (CID " + bogusCid + ", SQ ID " + bogusSqid + ", SQ head " + bogusHead + "): "
                        + reason(bogus)
                        + "; it was dropped (" + unexpected + " so far), the valid entries were handled",
                qid,
                bogusCid);
    }

    private void enqueue(int cid) {
        if (!queued[cid]) {
            queued[cid] = true;
            int at = readyHead + readyCount;
            ready[at >= ready.length ? at - ready.length : at] = cid;
            readyCount++;
        }
    }

    /** Frees the CID of a {@link #FUTURE} command and completes its future (off the hot path: may allocate). */
    private void complete(int cid, int s, int dw0) {
        CompletableFuture<?> f = futures[cid];
        futures[cid] = null;
        int opc = opcode(cid);
        release(cid);
        if (s == 0) {
            f.complete(null);
        } else {
            f.completeExceptionally(Completions.failure(IoQueue.name(opc), cid, qid, s));
        }
    }

    /** Whether {@code cid} is a command identifier of this queue. */
    boolean validCid(int cid) {
        return cid >= 0 && cid < outstanding.length;
    }

    boolean isDone(int cid) {
        return done[cid];
    }

    /** The raw status field of a done command (0: success). */
    int status(int cid) {
        return status[cid];
    }

    /** Completion dword 0 of a done command. */
    int result(int cid) {
        return result[cid];
    }

    int opcode(int cid) {
        return opcode[cid] & 0xff;
    }

    /** Whether {@code cid} is submitted and not yet completed. */
    boolean isOutstanding(int cid) {
        return outstanding[cid];
    }

    /** Returns a completed command's identifier for reuse. */
    void release(int cid) {
        done[cid] = false;
        freeCids[freeTop++] = cid;
    }

    /**
     * After the controller was disabled (it forgot this queue and does no more DMA to it): every
     * outstanding command becomes done with status {@link #RESET} (a future fails with
     * {@link NvmeException.Reset}), and the queue starts empty again (indexes 0, phase 1,
     * completion queue zeroed). Returns how many commands it failed.
     */
    int resetAfterDisable() {
        int failed = 0;
        for (int cid = 0; cid < outstanding.length; cid++) {
            if (outstanding[cid]) {
                outstanding[cid] = false;
                failed++;
                if (mode[cid] == FUTURE) {
                    complete(cid, RESET, 0);
                    continue;
                }
                done[cid] = true;
                status[cid] = RESET;
                if (mode[cid] == ASYNC) {
                    enqueue(cid);
                }
            }
        }
        finishedByReset += failed;
        cq.fill((byte) 0);
        sqTail = 0;
        sqHead = 0;
        cqHead = 0;
        phase = 1;
        return failed;
    }

    /** Every command identifier free again: for the admin queue after a reset, whose one command is resolved by it. */
    void releaseAll() {
        for (int i = 0; i < freeCids.length; i++) {
            freeCids[i] = freeCids.length - 1 - i;
            done[i] = false;
            outstanding[i] = false;
            queued[i] = false;
        }
        freeTop = freeCids.length;
        readyCount = 0;
        finishedByReset = 0;
    }

    /** Fails the future of every outstanding command with {@code e}'s message: the queue is going away. */
    void failFutures(String why) {
        if (futures == null) {
            return;
        }
        for (int cid = 0; cid < futures.length; cid++) {
            CompletableFuture<?> f = futures[cid];
            if (f != null) {
                futures[cid] = null;
                outstanding[cid] = false;
                f.completeExceptionally(new NvmeException(IoQueue.name(opcode(cid)) + " (CID " + cid + ") on queue "
                        + qid + " was outstanding when " + why));
            }
        }
    }

    /** The completion queue as the CPU sees it (tests post entries into it by hand). */
    MemorySegment cqMemory() {
        return cq;
    }

    /** Unmaps the queues and PRP pages, then frees their memory. */
    @Override
    public void close() {
        memory.close();
    }
}
