package org.dma4j.fake;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import org.dma4j.fake.FakeNvme.Bug;
import org.dma4j.nvme.spec.AdminOpcode;
import org.dma4j.nvme.spec.Cqe;
import org.dma4j.nvme.spec.NvmOpcode;
import org.dma4j.nvme.spec.Sqe;
import org.dma4j.nvme.spec.StatusCode;

/**
 * The queues of one enabled fake NVMe controller: doorbell checks, fetching entries into
 * per-SQ slots, running them when due and posting their completions, never more than a
 * completion queue holds (a full CQ stalls its SQs until the host frees entries with the CQ
 * head doorbell). Created at CC.EN; every method runs under the {@link FakeNvme}'s lock.
 * Fetching, running and posting allocate nothing beyond what the fake IOMMU does.
 */
final class FakeQueues {
    private static final int ABORTED_SQ_DELETION = StatusCode.ABORTED_SQ_DELETION.field();

    static final class Sq {
        final int qid, size, cqid;
        final long iova;
        /** The controller's fetch head, the host's tail, and the head last reported in a completion. */
        int head, tail, reported;
        /** Fetched entries waiting to run, as a ring in fetch order: copies, due times, done marks. */
        final MemorySegment[] slot;

        final long[] due;
        final boolean[] finished;
        int first, count;

        Sq(int qid, long iova, int size, int cqid) {
            this.qid = qid;
            this.iova = iova;
            this.size = size;
            this.cqid = cqid;
            MemorySegment all = Arena.ofAuto().allocate((long) Sqe.SIZE * size, Sqe.SIZE);
            slot = new MemorySegment[size];
            for (int i = 0; i < size; i++) {
                slot[i] = all.asSlice((long) Sqe.SIZE * i, Sqe.SIZE);
            }
            due = new long[size];
            finished = new boolean[size];
        }
    }

    static final class Cq {
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

        boolean full() {
            return (tail + 1) % size == head;
        }
    }

    private final FakeNvme nvme;
    private final DeviceContext ctx;
    final long page;
    final Sq[] sqs;
    final Cq[] cqs;
    final Prp prp;
    private final FakeAdmin admin;
    private final FakeIo io;
    private final long latency;
    private final MemorySegment cqe = Arena.ofAuto().allocate(Cqe.SIZE, Cqe.SIZE);
    /** An entry read back for Delete I/O SQ. */
    private final MemorySegment entry = Arena.ofAuto().allocate(Sqe.SIZE, Sqe.SIZE);
    /** Completion dword 0 of the command being run. */
    int result;

    FakeQueues(FakeNvme nvme, DeviceContext ctx, long page, FakeIo io) {
        this.nvme = nvme;
        this.ctx = ctx;
        this.page = page;
        int n = nvme.config().maxIoQueues() + 1;
        this.sqs = new Sq[n];
        this.cqs = new Cq[n];
        this.prp = new Prp(ctx, nvme::bug, page);
        this.admin = new FakeAdmin(nvme, this);
        this.io = io;
        this.latency =
                nvme.config().latency() == null ? 0 : nvme.config().latency().toNanos();
    }

    void createAdmin(long asq, int sqSize, long acq, int cqSize) {
        cqs[0] = new Cq(0, acq, cqSize, true, 0);
        sqs[0] = new Sq(0, asq, sqSize, 0);
    }

    /** A doorbell write at {@code rel} bytes past the first doorbell, checked as the spec asks. */
    void doorbell(long rel, int stride, int value) {
        if (rel % stride != 0) {
            throw nvme.bug(
                    Bug.DOORBELL_NOT_ON_STRIDE,
                    "write at BAR0 0x" + Long.toHexString(FakeNvme.DOORBELLS + rel)
                            + " is between doorbells: CAP.DSTRD puts them " + stride
                            + " bytes apart (SQ y tail at 0x1000 + 2y * "
                            + stride + ", CQ y head at 0x1000 + (2y + 1) * " + stride + ")");
        }
        long index = rel / stride;
        int qid = (int) Math.min(index / 2, Integer.MAX_VALUE);
        if (index % 2 == 1) {
            Cq cq = qid < cqs.length ? cqs[qid] : null;
            if (cq == null) {
                throw nvme.bug(
                        Bug.DOORBELL_FOR_MISSING_QUEUE,
                        "CQ head doorbell for completion queue " + qid + ", which does not exist");
            }
            if (value < 0 || value >= cq.size) {
                throw nvme.bug(
                        Bug.DOORBELL_BEYOND_QUEUE,
                        "CQ " + qid + " head " + value + " is beyond its " + cq.size + " entries");
            }
            int posted = (cq.tail - cq.head + cq.size) % cq.size;
            int freed = (value - cq.head + cq.size) % cq.size;
            if (freed > posted) {
                throw nvme.bug(
                        Bug.CQ_HEAD_PAST_TAIL,
                        "CQ " + qid + " head doorbell " + value + " frees " + freed + " entries, but only " + posted
                                + " were posted (head " + cq.head + ", tail " + cq.tail + ")");
            }
            cq.head = value;
            return;
        }
        Sq sq = qid < sqs.length ? sqs[qid] : null;
        if (sq == null) {
            throw nvme.bug(
                    Bug.DOORBELL_FOR_MISSING_QUEUE,
                    "SQ tail doorbell for submission queue " + qid
                            + ", which does not exist (deleted, or never created)");
        }
        if (value < 0 || value >= sq.size) {
            throw nvme.bug(
                    Bug.DOORBELL_BEYOND_QUEUE,
                    "SQ " + qid + " tail " + value + " is beyond its " + sq.size + " entries");
        }
        // The host may only reuse the entries that completions have reported consumed (their SQ Head Pointer).
        int held = (sq.tail - sq.reported + sq.size) % sq.size;
        int added = (value - sq.tail + sq.size) % sq.size;
        if (held + added > sq.size - 1) {
            throw nvme.bug(
                    Bug.SQ_OVERFLOW,
                    "SQ " + qid + " tail doorbell " + value + " adds " + added + " entries, but only "
                            + (sq.size - 1 - held) + " are free: the last completion reported SQ head " + sq.reported
                            + ", and an SQ of " + sq.size + " entries holds at most " + (sq.size - 1));
        }
        sq.tail = value;
    }

    /**
     * Fetches what the host submitted, runs what is due and posts its completions while the CQs
     * have room. Returns the nanoseconds until the next command falls due, or Long.MAX_VALUE when
     * nothing waits on time (a full CQ waits on the host's head doorbell instead).
     */
    long pump(long now) {
        long earliest;
        boolean progress;
        do {
            progress = false;
            earliest = Long.MAX_VALUE;
            for (int q = 0; q < sqs.length; q++) {
                Sq sq = sqs[q];
                if (sq == null) {
                    continue;
                }
                if (nvme.fatalStatus()) {
                    return Long.MAX_VALUE;
                }
                progress |= fetch(sq, now);
                for (int i = 0; i < sq.count && sqs[q] == sq; i++) {
                    int s = (sq.first + i) % sq.size;
                    if (sq.finished[s]) {
                        continue;
                    }
                    long wait = sq.due[s] - now;
                    if (wait > 0) {
                        earliest = Math.min(earliest, wait);
                        continue;
                    }
                    Cq cq = cqs[sq.cqid];
                    if (cq == null || cq.full()) {
                        break; // stalled until the host frees completion entries
                    }
                    sq.finished[s] = true;
                    progress = true;
                    run(sq, sq.slot[s], cq);
                }
                while (sq.count > 0 && sq.finished[sq.first]) {
                    sq.first = (sq.first + 1) % sq.size;
                    sq.count--;
                }
            }
        } while (progress);
        return earliest;
    }

    private boolean fetch(Sq sq, long now) {
        boolean any = false;
        long due = now + (sq.qid == 0 ? 0 : latency) + nvme.faults.delayNanos;
        while (sq.head != sq.tail && sq.count < sq.size) {
            int s = (sq.first + sq.count) % sq.size;
            ctx.dmaRead(sq.iova + (long) sq.head * Sqe.SIZE, sq.slot[s], 0, Sqe.SIZE);
            sq.due[s] = due + nvme.faults.takeDelay(Sqe.opcode(sq.slot[s], 0), sq.qid == 0);
            sq.finished[s] = false;
            sq.count++;
            sq.head = (sq.head + 1) % sq.size;
            any = true;
        }
        return any;
    }

    private void run(Sq sq, MemorySegment e, Cq cq) {
        int cid = Sqe.cid(e, 0);
        int opc = Sqe.opcode(e, 0);
        if ((Sqe.flags(e, 0) & (Sqe.FLAGS_FUSE | Sqe.FLAGS_PSDT)) != 0 || Sqe.cdw2(e, 0) != 0 || Sqe.cdw3(e, 0) != 0) {
            throw nvme.bug(
                    Bug.RESERVED_FIELDS_SET,
                    "command " + cid + " (" + (sq.qid == 0 ? AdminOpcode.nameOf(opc) : NvmOpcode.nameOf(opc))
                            + ") on SQ " + sq.qid + " sets FUSE/PSDT or the reserved dwords 2-3");
        }
        result = 0;
        int status = nvme.faults.takeInjected(opc, sq.qid == 0);
        if (status < 0) {
            status = sq.qid == 0 ? admin.run(e) : io.run(e, prp, ctx);
        }
        if (nvme.faults.dropCompletions > 0) {
            nvme.faults.dropCompletions--;
            return;
        }
        post(cq, sq, cid, status, result);
        if (nvme.faults.duplicateCompletions > 0) {
            nvme.faults.duplicateCompletions--;
            post(cq, sq, cid, status, result);
        }
    }

    /** Writes one completion entry, phase tag last, if the CQ has room; raises its vector. */
    private boolean post(Cq cq, Sq sq, int cid, int status, int dw0) {
        if (cq.full()) {
            return false;
        }
        if (nvme.faults.removed) {
            return true; // a removed device posts nothing (the command is lost)
        }
        long at = cq.iova + (long) cq.tail * Cqe.SIZE;
        Cqe.writeHead(cqe, 0, dw0, 0, sq.head, sq.qid);
        sq.reported = sq.head;
        Cqe.writeDw3(cqe, 0, cid, status, cq.phase);
        nvme.faults.corruptCompletion(cqe); // a hostile device's entry, if a test asked for one
        ctx.dmaWrite(at, cqe, 0, Cqe.DW3); // dwords 0 to 2 first
        VarHandle.releaseFence(); // a driver polling on another thread sees the entry before its phase tag
        ctx.dmaWrite(at + Cqe.DW3, cqe, Cqe.DW3, Cqe.SIZE - Cqe.DW3); // dword 3 with the phase tag last
        if (++cq.tail == cq.size) {
            cq.tail = 0;
            cq.phase ^= 1;
        }
        if (cq.interrupts) {
            ctx.raiseInterrupt(cq.vector);
        }
        return true;
    }

    /**
     * Delete I/O SQ: every command it still holds, fetched or not, completes with "Command
     * Aborted due to SQ Deletion" (as far as its CQ has room), then the queue is gone.
     */
    void deleteSq(Sq sq) {
        Cq cq = cqs[sq.cqid];
        for (int i = 0; i < sq.count; i++) {
            int s = (sq.first + i) % sq.size;
            if (!sq.finished[s]) {
                sq.finished[s] = true;
                post(cq, sq, Sqe.cid(sq.slot[s], 0), ABORTED_SQ_DELETION, 0);
            }
        }
        while (sq.head != sq.tail) {
            ctx.dmaRead(sq.iova + (long) sq.head * Sqe.SIZE, entry, 0, Sqe.SIZE);
            sq.head = (sq.head + 1) % sq.size;
            post(cq, sq, Sqe.cid(entry, 0), ABORTED_SQ_DELETION, 0);
        }
        sqs[sq.qid] = null;
    }
}
