package org.dma4j.fake;

import static org.dma4j.nvme.spec.StatusCode.COMPLETION_QUEUE_INVALID;
import static org.dma4j.nvme.spec.StatusCode.INVALID_FIELD;
import static org.dma4j.nvme.spec.StatusCode.INVALID_INTERRUPT_VECTOR;
import static org.dma4j.nvme.spec.StatusCode.INVALID_LOG_PAGE;
import static org.dma4j.nvme.spec.StatusCode.INVALID_OPCODE;
import static org.dma4j.nvme.spec.StatusCode.INVALID_QUEUE_DELETION;
import static org.dma4j.nvme.spec.StatusCode.INVALID_QUEUE_IDENTIFIER;
import static org.dma4j.nvme.spec.StatusCode.INVALID_QUEUE_SIZE;
import static org.dma4j.nvme.spec.StatusCode.PRP_OFFSET_INVALID;

import java.lang.foreign.MemorySegment;
import org.dma4j.fake.FakeNvme.Bug;
import org.dma4j.nvme.spec.AdminCommands;
import org.dma4j.nvme.spec.AdminOpcode;
import org.dma4j.nvme.spec.Cns;
import org.dma4j.nvme.spec.Cqe;
import org.dma4j.nvme.spec.FeatureId;
import org.dma4j.nvme.spec.IdCtrl;
import org.dma4j.nvme.spec.LogPageId;
import org.dma4j.nvme.spec.SmartLogPage;
import org.dma4j.nvme.spec.Sqe;

/**
 * The admin commands of the fake NVMe controller: Identify, Get/Set Features (Number of Queues),
 * Create/Delete I/O SQ/CQ with QEMU's checks, Get Log Page (error, SMART), Abort. Runs under the
 * controller's lock. Driver bugs that QEMU answers with an error status are answered the same
 * way and recorded in {@link FakeNvme#bugs()}.
 */
final class FakeAdmin {
    private final FakeNvme nvme;
    private final FakeQueues queues;
    private int granted;

    FakeAdmin(FakeNvme nvme, FakeQueues queues) {
        this.nvme = nvme;
        this.queues = queues;
    }

    /**
     * Runs admin command {@code e} (an {@link Sqe} at offset 0); returns its status field (errors
     * with Do Not Retry, as QEMU answers every command it refuses) and leaves dword 0 in
     * {@code queues.result}.
     */
    int run(MemorySegment e) {
        AdminOpcode op = AdminOpcode.of(Sqe.opcode(e, 0));
        return switch (op) {
            case IDENTIFY -> identify(AdminCommands.cns(e, 0), Sqe.nsid(e, 0), Sqe.prp1(e, 0), Sqe.prp2(e, 0));
            case SET_FEATURES, GET_FEATURES -> {
                if (FeatureId.of(AdminCommands.featureId(e, 0)) != FeatureId.NUMBER_OF_QUEUES) {
                    yield INVALID_FIELD.withDnr();
                }
                if (op == AdminOpcode.SET_FEATURES) {
                    int cdw11 = Sqe.cdw11(e, 0);
                    int asked =
                            Math.min(AdminCommands.submissionQueuesOf(cdw11), AdminCommands.completionQueuesOf(cdw11));
                    granted = Math.min(asked, nvme.config().maxIoQueues());
                }
                int g = Math.max(granted, 1);
                queues.result = AdminCommands.numberOfQueues(g, g);
                yield 0;
            }
            case CREATE_IO_CQ -> createCq(e);
            case CREATE_IO_SQ -> createSq(e);
            case DELETE_IO_SQ -> deleteSq(AdminCommands.queueId(e, 0));
            case DELETE_IO_CQ -> deleteCq(AdminCommands.queueId(e, 0));
            case GET_LOG_PAGE ->
                logPage(
                        AdminCommands.logPageId(e, 0),
                        AdminCommands.logPageBytes(e, 0),
                        Sqe.prp1(e, 0),
                        Sqe.prp2(e, 0));
            case ABORT -> {
                queues.result = AdminCommands.ABORT_NOT_ABORTED;
                yield 0;
            }
            case null, default -> INVALID_OPCODE.withDnr();
        };
    }

    private int identify(int cns, int nsid, long prp1, long prp2) {
        MemorySegment d = nvme.scratch(IdCtrl.SIZE);
        d.fill((byte) 0);
        int status = FakeIdentify.fill(cns, nsid, nvme.config(), d);
        if (status != 0) {
            return status;
        }
        if (Cns.of(cns) == Cns.CONTROLLER && nvme.faults.rtd3eMicros >= 0) {
            IdCtrl.setRtd3eMicros(d, (int) nvme.faults.rtd3eMicros); // as shutdownLatency() set it
        }
        nvme.faults.corruptIdentify(cns, d);
        queues.prp.transfer(prp1, prp2, d, IdCtrl.SIZE, true);
        return 0;
    }

    /** QEMU refuses I/O queue creation unless CC.IOSQES/IOCQES are the Identify SQES/CQES sizes. */
    private boolean entrySizesWrong(String what) {
        int iosqes = (nvme.cc() >>> 16) & 0xf;
        int iocqes = (nvme.cc() >>> 20) & 0xf;
        if (iosqes == Sqe.SIZE_LOG2 && iocqes == Cqe.SIZE_LOG2) {
            return false;
        }
        nvme.bug(
                Bug.BAD_QUEUE_ENTRY_SIZE,
                what + " with CC.IOSQES " + iosqes + " / CC.IOCQES " + iocqes + ": set them to " + Sqe.SIZE_LOG2
                        + " and " + Cqe.SIZE_LOG2 + " (64 B and 16 B entries) before creating I/O queues");
        return true;
    }

    /** Checks shared by Create I/O SQ and CQ: PC with CAP.CQR, base alignment to CC.MPS. 0 if fine. */
    private int checkBase(String what, MemorySegment e) {
        long prp1 = Sqe.prp1(e, 0);
        if (!AdminCommands.contiguous(e, 0)) {
            nvme.bug(
                    Bug.QUEUE_NOT_CONTIGUOUS,
                    what + " with PC=0: this controller requires physically contiguous queues" + " (CAP.CQR=1)");
            return INVALID_FIELD.withDnr();
        }
        if ((prp1 & (queues.page - 1)) != 0) {
            nvme.bug(
                    Bug.QUEUES_NOT_PAGE_ALIGNED,
                    what + " at 0x" + Long.toHexString(prp1) + ", which is not aligned to the " + queues.page
                            + " byte memory page (CC.MPS)");
            return PRP_OFFSET_INVALID.withDnr();
        }
        return 0;
    }

    private int createCq(MemorySegment e) {
        int qid = AdminCommands.queueId(e, 0);
        int size = AdminCommands.queueEntries(e, 0);
        String what = "Create I/O CQ " + qid;
        if (entrySizesWrong(what)) {
            return INVALID_QUEUE_SIZE.withDnr();
        }
        if (qid == 0 || qid > granted) {
            return INVALID_QUEUE_IDENTIFIER.withDnr();
        }
        if (queues.cqs[qid] != null) {
            nvme.bug(Bug.QUEUE_CREATED_TWICE, "completion queue " + qid + " is created a second time");
            return INVALID_QUEUE_IDENTIFIER.withDnr();
        }
        if (size < 2 || size > nvme.config().maxQueueEntries()) {
            return INVALID_QUEUE_SIZE.withDnr();
        }
        int base = checkBase(what, e);
        if (base != 0) {
            return base;
        }
        boolean ien = AdminCommands.interruptsEnabled(e, 0);
        int vector = AdminCommands.interruptVector(e, 0);
        if (ien && vector >= FakeNvme.MSIX_VECTORS) {
            nvme.bug(
                    Bug.INVALID_INTERRUPT_VECTOR,
                    what + " with interrupt vector " + vector + ": the device has " + FakeNvme.MSIX_VECTORS
                            + " MSI-X vectors");
            return INVALID_INTERRUPT_VECTOR.withDnr();
        }
        queues.cqs[qid] = new FakeQueues.Cq(qid, Sqe.prp1(e, 0), size, ien, vector);
        return 0;
    }

    private int createSq(MemorySegment e) {
        int qid = AdminCommands.queueId(e, 0);
        int size = AdminCommands.queueEntries(e, 0);
        String what = "Create I/O SQ " + qid;
        if (entrySizesWrong(what)) {
            return INVALID_QUEUE_SIZE.withDnr();
        }
        if (qid == 0 || qid > granted) {
            return INVALID_QUEUE_IDENTIFIER.withDnr();
        }
        if (queues.sqs[qid] != null) {
            nvme.bug(Bug.QUEUE_CREATED_TWICE, "submission queue " + qid + " is created a second time");
            return INVALID_QUEUE_IDENTIFIER.withDnr();
        }
        int cqid = AdminCommands.completionQueueId(e, 0);
        if (cqid == 0 || cqid >= queues.cqs.length || queues.cqs[cqid] == null) {
            return COMPLETION_QUEUE_INVALID.withDnr();
        }
        if (size < 2 || size > nvme.config().maxQueueEntries()) {
            return INVALID_QUEUE_SIZE.withDnr();
        }
        int base = checkBase(what, e);
        if (base != 0) {
            return base;
        }
        queues.sqs[qid] = new FakeQueues.Sq(qid, Sqe.prp1(e, 0), size, cqid);
        return 0;
    }

    private int deleteSq(int qid) {
        if (qid == 0 || qid >= queues.sqs.length || queues.sqs[qid] == null) {
            return INVALID_QUEUE_IDENTIFIER.withDnr();
        }
        queues.deleteSq(queues.sqs[qid]);
        return 0;
    }

    private int deleteCq(int qid) {
        if (qid == 0 || qid >= queues.cqs.length || queues.cqs[qid] == null) {
            return INVALID_QUEUE_IDENTIFIER.withDnr();
        }
        for (FakeQueues.Sq sq : queues.sqs) {
            if (sq != null && sq.cqid == qid) {
                nvme.bug(
                        Bug.INVALID_QUEUE_DELETION,
                        "Delete I/O CQ " + qid + " while SQ " + sq.qid + " still uses it:" + " delete the SQ first");
                return INVALID_QUEUE_DELETION.withDnr();
            }
        }
        queues.cqs[qid] = null;
        return 0;
    }

    /** The error log (always empty) and the SMART log; zeroes past the page, up to the length asked for. */
    private int logPage(int lid, long bytes, long prp1, long prp2) {
        LogPageId page = LogPageId.of(lid);
        if (page != LogPageId.ERROR_INFORMATION && page != LogPageId.SMART_HEALTH) {
            return INVALID_LOG_PAGE.withDnr();
        }
        MemorySegment d = nvme.scratch(Math.max(bytes, SmartLogPage.SIZE));
        d.fill((byte) 0);
        if (page == LogPageId.SMART_HEALTH) {
            nvme.io().smart(d);
        }
        queues.prp.transfer(prp1, prp2, d.asSlice(0, bytes), bytes, true);
        return 0;
    }
}
