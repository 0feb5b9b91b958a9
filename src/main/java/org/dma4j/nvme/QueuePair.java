package org.dma4j.nvme;

import java.lang.foreign.MemorySegment;
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
    private int cqHead;
    private int phase = 1;
    private final int[] freeCids;
    private int freeTop;
    private final boolean[] outstanding;
    private final boolean[] done;
    private final int[] status;
    private final int[] result;
    private final byte[] opcode;
    private long unexpected;
    /** Commands a reset finished since the last poll: the next poll counts them. */
    private int finishedByReset;
    /** The status of a command that was outstanding when the controller was reset (no CQE status is negative). */
    static final int RESET = -1;

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
        memory = new QueueMemory(space, align((long) entries * Sqe.SIZE), align((long) entries * Cqe.SIZE), cids, spareDirection);
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
        for (long i = 0; i < pages; i++) {
            PrpList.setEntry(prp, list, i, next + i * PAGE);
        }
        return prpIova[cid];
    }

    /** Takes a command identifier, or -1 when the queue is full. */
    int allocateCid() {
        return freeTop == 0 ? -1 : freeCids[--freeTop];
    }

    /** The submission queue as the CPU sees it: commands are written into it at {@link #nextSlot()}. */
    MemorySegment sq() {
        return sq;
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
        opcode[cid] = (byte) Sqe.opcode(sq, nextSlot());
        outstanding[cid] = true;
        done[cid] = false;
        sqTail = sqTail + 1 == entries ? 0 : sqTail + 1; // no division on the hot path
        bar.write32(sqDoorbell, sqTail); // a release store: the entry is visible before the doorbell
    }

    /**
     * Reaps every completion posted so far; rings the CQ head doorbell once. Returns how many
     * commands became done, those a reset finished included.
     */
    int poll() {
        int n = finishedByReset;
        finishedByReset = 0;
        int start = cqHead;
        boolean wrapped = false;
        while (true) {
            long at = (long) cqHead * Cqe.SIZE;
            int dw3 = Cqe.dw3Acquire(cq, at);
            if (Cqe.phaseOf(dw3) != phase) {
                break;
            }
            int cid = Cqe.cidOf(dw3);
            int head = Cqe.sqHead(cq, at);
            if (cid < outstanding.length && outstanding[cid]) {
                outstanding[cid] = false;
                done[cid] = true;
                status[cid] = Cqe.statusOf(dw3);
                result[cid] = Cqe.dw0(cq, at);
                n++;
            } else {
                unexpected++;
                LOG.warn("queue {}: completion for CID {} that is not outstanding (duplicate or bogus); dropped", qid, cid);
            }
            if (head < entries) {
                sqHead = head;
            } else {
                unexpected++;
                LOG.warn("queue {}: completion names SQ head {} beyond the queue's {} entries; ignored", qid, head, entries);
            }
            if (++cqHead == entries) {
                cqHead = 0;
                phase ^= 1;
                wrapped = true;
            }
        }
        if (cqHead != start || wrapped) { // only when entries were consumed, bogus ones included
            bar.write32(cqDoorbell, cqHead);
        }
        return n;
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
     * outstanding command becomes done with status {@link #RESET}, and the queue starts empty
     * again (indexes 0, phase 1, completion queue zeroed). Returns how many commands it failed.
     */
    int resetAfterDisable() {
        int failed = 0;
        for (int cid = 0; cid < outstanding.length; cid++) {
            if (outstanding[cid]) {
                outstanding[cid] = false;
                done[cid] = true;
                status[cid] = RESET;
                failed++;
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
        }
        freeTop = freeCids.length;
        finishedByReset = 0;
    }

    /** Unmaps the queues and PRP pages, then frees their memory. */
    @Override
    public void close() {
        memory.close();
    }
}
