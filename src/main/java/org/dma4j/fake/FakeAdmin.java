package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.dma4j.fake.FakeNvme.Bug;

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

    /** An error status with Do Not Retry set, as QEMU answers every command it refuses. */
    static int sc(int sct, int sc) {
        return FakeIo.DNR | sct << 8 | sc;
    }

    /** Runs admin command {@code opc}; returns its status and leaves dword 0 in {@code queues.result}. */
    int run(int opc, MemorySegment e) {
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
                    granted = Math.min(asked, nvme.config().maxIoQueues());
                }
                int g = Math.max(granted, 1) - 1;
                queues.result = g << 16 | g;
                yield 0;
            }
            case 0x05 -> createCq(cdw10 & 0xffff, (cdw10 >>> 16) + 1, cdw11, prp1);
            case 0x01 -> createSq(cdw10 & 0xffff, (cdw10 >>> 16) + 1, cdw11, prp1);
            case 0x00 -> deleteSq(cdw10 & 0xffff);
            case 0x04 -> deleteCq(cdw10 & 0xffff);
            case 0x02 -> logPage(cdw10 & 0xff, ((cdw10 >>> 16) + 1) * 4L, prp1, prp2);
            case 0x08 -> {
                queues.result = 1; // the command was not aborted
                yield 0;
            }
            default -> sc(0, 0x01);
        };
    }

    private int identify(int cns, int nsid, long prp1, long prp2) {
        MemorySegment d = nvme.scratch(4096);
        d.fill((byte) 0);
        int status = FakeIdentify.fill(cns, nsid, nvme.config(), d);
        if (status != 0) {
            return sc(0, status);
        }
        if (cns == 0x01 && nvme.faults.rtd3eMicros >= 0) {
            d.set(ValueLayout.JAVA_INT, 88, (int) nvme.faults.rtd3eMicros); // RTD3E as shutdownLatency() set it
        }
        queues.prp.transfer(prp1, prp2, d, 4096, true);
        return 0;
    }

    /** QEMU refuses I/O queue creation unless CC.IOSQES/IOCQES are the Identify SQES/CQES sizes. */
    private boolean entrySizesWrong(String what) {
        int iosqes = (nvme.cc() >>> 16) & 0xf;
        int iocqes = (nvme.cc() >>> 20) & 0xf;
        if (iosqes == FakeQueues.SQES && iocqes == FakeQueues.CQES) {
            return false;
        }
        nvme.bug(Bug.BAD_QUEUE_ENTRY_SIZE, what + " with CC.IOSQES " + iosqes + " / CC.IOCQES " + iocqes + ": set them to "
                + FakeQueues.SQES + " and " + FakeQueues.CQES + " (64 B and 16 B entries) before creating I/O queues");
        return true;
    }

    /** Checks shared by Create I/O SQ and CQ: PC with CAP.CQR, base alignment to CC.MPS. 0 if fine. */
    private int checkBase(String what, int cdw11, long prp1) {
        if ((cdw11 & 1) == 0) {
            nvme.bug(Bug.QUEUE_NOT_CONTIGUOUS, what + " with PC=0: this controller requires physically contiguous queues"
                    + " (CAP.CQR=1)");
            return sc(0, 0x02);
        }
        if ((prp1 & (queues.page - 1)) != 0) {
            nvme.bug(Bug.QUEUES_NOT_PAGE_ALIGNED, what + " at 0x" + Long.toHexString(prp1) + ", which is not aligned to the "
                    + queues.page + " byte memory page (CC.MPS)");
            return sc(0, 0x13);
        }
        return 0;
    }

    private int createCq(int qid, int size, int cdw11, long prp1) {
        String what = "Create I/O CQ " + qid;
        if (entrySizesWrong(what)) {
            return sc(1, 0x02);
        }
        if (qid == 0 || qid > granted) {
            return sc(1, 0x01);
        }
        if (queues.cqs[qid] != null) {
            nvme.bug(Bug.QUEUE_CREATED_TWICE, "completion queue " + qid + " is created a second time");
            return sc(1, 0x01);
        }
        if (size < 2 || size > nvme.config().maxQueueEntries()) {
            return sc(1, 0x02);
        }
        int base = checkBase(what, cdw11, prp1);
        if (base != 0) {
            return base;
        }
        boolean ien = (cdw11 & 2) != 0;
        if (ien && (cdw11 >>> 16) >= FakeNvme.MSIX_VECTORS) {
            nvme.bug(Bug.INVALID_INTERRUPT_VECTOR, what + " with interrupt vector " + (cdw11 >>> 16) + ": the device has "
                    + FakeNvme.MSIX_VECTORS + " MSI-X vectors");
            return sc(1, 0x08);
        }
        queues.cqs[qid] = new FakeQueues.Cq(qid, prp1, size, ien, cdw11 >>> 16);
        return 0;
    }

    private int createSq(int qid, int size, int cdw11, long prp1) {
        String what = "Create I/O SQ " + qid;
        if (entrySizesWrong(what)) {
            return sc(1, 0x02);
        }
        if (qid == 0 || qid > granted) {
            return sc(1, 0x01);
        }
        if (queues.sqs[qid] != null) {
            nvme.bug(Bug.QUEUE_CREATED_TWICE, "submission queue " + qid + " is created a second time");
            return sc(1, 0x01);
        }
        int cqid = cdw11 >>> 16;
        if (cqid == 0 || cqid >= queues.cqs.length || queues.cqs[cqid] == null) {
            return sc(1, 0x00);
        }
        if (size < 2 || size > nvme.config().maxQueueEntries()) {
            return sc(1, 0x02);
        }
        int base = checkBase(what, cdw11, prp1);
        if (base != 0) {
            return base;
        }
        queues.sqs[qid] = new FakeQueues.Sq(qid, prp1, size, cqid);
        return 0;
    }

    private int deleteSq(int qid) {
        if (qid == 0 || qid >= queues.sqs.length || queues.sqs[qid] == null) {
            return sc(1, 0x01);
        }
        queues.deleteSq(queues.sqs[qid]);
        return 0;
    }

    private int deleteCq(int qid) {
        if (qid == 0 || qid >= queues.cqs.length || queues.cqs[qid] == null) {
            return sc(1, 0x01);
        }
        for (FakeQueues.Sq sq : queues.sqs) {
            if (sq != null && sq.cqid == qid) {
                nvme.bug(Bug.INVALID_QUEUE_DELETION, "Delete I/O CQ " + qid + " while SQ " + sq.qid + " still uses it:"
                        + " delete the SQ first");
                return sc(1, 0x0c);
            }
        }
        queues.cqs[qid] = null;
        return 0;
    }

    private int logPage(int lid, long bytes, long prp1, long prp2) {
        if (lid != 0x01 && lid != 0x02) {
            return sc(1, 0x09);
        }
        MemorySegment d = nvme.scratch(Math.max(bytes, 512));
        d.fill((byte) 0);
        if (lid == 0x02) {
            nvme.io().smart(d);
        }
        queues.prp.transfer(prp1, prp2, d.asSlice(0, bytes), bytes, true);
        return 0;
    }
}
