package org.dma4j.fake;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.BiFunction;
import org.dma4j.Iova;

/**
 * The fake NVMe controller's PRP walker (NVMe base spec 4.3): PRP1 with an offset, PRP2 as the
 * second page or a PRP list, lists chained through their last entry, every data pointer after
 * the first page-aligned. Moves data through the device context, so the fake IOMMU checks it;
 * a malformed PRP is a driver bug.
 */
final class Prp {
    private static final long PAGE = 4096;
    private final DeviceContext ctx;
    private final BiFunction<FakeNvme.Bug, String, FakeNvme.DriverBug> bug;

    Prp(DeviceContext ctx, BiFunction<FakeNvme.Bug, String, FakeNvme.DriverBug> bug) {
        this.ctx = ctx;
        this.bug = bug;
    }

    /** Moves {@code length} bytes between {@code buf} and the host memory PRP1/PRP2 describe. */
    void transfer(long prp1, long prp2, MemorySegment buf, long length, boolean toHost) {
        if ((prp1 & 3) != 0) {
            throw bug.apply(FakeNvme.Bug.BAD_PRP_OFFSET, "PRP1 0x" + Long.toHexString(prp1) + " is not dword aligned");
        }
        long first = Math.min(length, PAGE - (prp1 & (PAGE - 1)));
        move(prp1, buf.asSlice(0, first), toHost);
        long done = first;
        if (done == length) {
            return;
        }
        if (length - done <= PAGE) {
            if ((prp2 & (PAGE - 1)) != 0) {
                throw bug.apply(FakeNvme.Bug.BAD_PRP_OFFSET, "PRP2 0x" + Long.toHexString(prp2)
                        + " must be page aligned (it is the second page)");
            }
            move(prp2, buf.asSlice(done, length - done), toHost);
            return;
        }
        long list = prp2;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment entry = a.allocate(8, 8);
            while (done < length) {
                boolean lastInPage = ((list + 8) & (PAGE - 1)) == 0;
                ctx.dmaRead(Iova.of(list), entry);
                long p = entry.get(ValueLayout.JAVA_LONG, 0);
                if (lastInPage && length - done > PAGE) {
                    list = p; // the last entry of a list page chains to the next list
                    continue;
                }
                if ((p & (PAGE - 1)) != 0) {
                    throw bug.apply(FakeNvme.Bug.BAD_PRP_OFFSET, "PRP list entry 0x" + Long.toHexString(p) + " at 0x"
                            + Long.toHexString(list) + " must be page aligned");
                }
                long n = Math.min(PAGE, length - done);
                move(p, buf.asSlice(done, n), toHost);
                done += n;
                list += 8;
            }
        }
    }

    private void move(long iova, MemorySegment part, boolean toHost) {
        if (toHost) {
            ctx.dmaWrite(Iova.of(iova), part);
        } else {
            ctx.dmaRead(Iova.of(iova), part);
        }
    }
}
