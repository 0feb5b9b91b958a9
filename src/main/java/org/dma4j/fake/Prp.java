package org.dma4j.fake;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.BiFunction;
import org.dma4j.fake.FakeNvme.Bug;
import org.dma4j.nvme.spec.PrpList;

/**
 * The fake NVMe controller's PRP walker (NVMe base spec 4.3) for one memory page size (CC.MPS):
 * PRP1 with a dword-aligned offset, PRP2 as the second page (page aligned) or a PRP list pointer
 * (qword aligned, its offset allowed), lists chained through their last entry (page aligned),
 * every data pointer after the first page aligned. Moves data through the device context, so the
 * fake IOMMU checks it; a malformed PRP is a driver bug. One per enabled controller, used under
 * its lock: the list entry buffer is reused.
 */
final class Prp {
    private final DeviceContext ctx;
    private final BiFunction<Bug, String, FakeNvme.DriverBug> bug;
    private final long page;
    private final MemorySegment entry = Arena.ofAuto().allocate(PrpList.ENTRY_SIZE, PrpList.ENTRY_SIZE);

    Prp(DeviceContext ctx, BiFunction<Bug, String, FakeNvme.DriverBug> bug, long page) {
        this.ctx = ctx;
        this.bug = bug;
        this.page = page;
    }

    /** Moves {@code length} bytes between {@code buf} and the host memory PRP1/PRP2 describe. */
    void transfer(long prp1, long prp2, MemorySegment buf, long length, boolean toHost) {
        if ((prp1 & 3) != 0) {
            throw bug.apply(Bug.BAD_PRP_OFFSET, "PRP1 0x" + Long.toHexString(prp1) + " is not dword aligned");
        }
        long first = Math.min(length, page - (prp1 & (page - 1)));
        move(prp1, buf, 0, first, toHost);
        long done = first;
        if (done == length) {
            return;
        }
        if (length - done <= page) {
            if ((prp2 & (page - 1)) != 0) {
                throw bug.apply(
                        Bug.BAD_PRP_OFFSET,
                        "PRP2 0x" + Long.toHexString(prp2) + " must be page aligned (it is the second page)");
            }
            move(prp2, buf, done, length - done, toHost);
            return;
        }
        if ((prp2 & 7) != 0) {
            throw bug.apply(
                    Bug.BAD_PRP_LIST_POINTER,
                    "PRP2 0x" + Long.toHexString(prp2) + " points to a PRP list and must be qword aligned");
        }
        long list = prp2;
        while (done < length) {
            boolean lastInPage = ((list + PrpList.ENTRY_SIZE) & (page - 1)) == 0;
            ctx.dmaRead(list, entry, 0, PrpList.ENTRY_SIZE);
            long p = PrpList.entry(entry, 0, 0);
            if (lastInPage && length - done > page) {
                if ((p & (page - 1)) != 0) {
                    throw bug.apply(
                            Bug.BAD_PRP_LIST_POINTER,
                            "the last entry of the PRP list page at 0x"
                                    + Long.toHexString(list & -page) + " chains to 0x" + Long.toHexString(p)
                                    + ", which must be page aligned");
                }
                list = p; // the last entry of a list page chains to the next list
                continue;
            }
            if ((p & (page - 1)) != 0) {
                throw bug.apply(
                        Bug.BAD_PRP_OFFSET,
                        "PRP list entry 0x" + Long.toHexString(p) + " at 0x" + Long.toHexString(list)
                                + " must be page aligned");
            }
            long n = Math.min(page, length - done);
            move(p, buf, done, n, toHost);
            done += n;
            list += PrpList.ENTRY_SIZE;
        }
    }

    private void move(long iova, MemorySegment buf, long offset, long n, boolean toHost) {
        if (toHost) {
            ctx.dmaWrite(iova, buf, offset, n);
        } else {
            ctx.dmaRead(iova, buf, offset, n);
        }
    }
}
