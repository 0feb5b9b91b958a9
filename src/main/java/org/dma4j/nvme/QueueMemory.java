package org.dma4j.nvme;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.mem.DmaBuffer;

/**
 * The DMA memory of one queue pair: its submission queue, completion queue, one spare page (the
 * admin queue's Identify and log page buffer, an I/O queue's Dataset Management range) and one
 * PRP list page per command, in one buffer from {@link DmaSpace#allocate} and mapped so that no
 * mapping spans two hugepages: where the device sees physical addresses (no-IOMMU) a hugepage
 * is contiguous but two hugepages need not be, and the spec asks only that each queue and each
 * PRP list page be contiguous. Memory a space gives in 4 KiB pages is memory it maps through an
 * IOMMU, where any range is contiguous for the device.
 *
 * <p>The queue pair owns it; {@link #close()} unmaps everything, then frees the buffer.
 */
final class QueueMemory implements AutoCloseable {
    static final long PAGE = 4096;

    /**
     * Where each part sits in the buffer, for a buffer contiguous in runs of {@code unit} bytes:
     * the queues never straddle a run boundary; the spare and PRP pages are 4 KiB each and follow.
     */
    record Layout(long sq, long cq, long spare, long prp, int prpPages, long end, long unit) {
        static Layout of(long sqBytes, long cqBytes, int prpPages, long unit) {
            long sq = place(0, sqBytes, unit, "submission queue");
            long cq = place(sq + sqBytes, cqBytes, unit, "completion queue");
            long spare = cq + cqBytes;
            long prp = spare + PAGE;
            return new Layout(sq, cq, spare, prp, prpPages, prp + prpPages * PAGE, unit);
        }

        private static long place(long at, long bytes, long unit, String what) {
            if (bytes > unit) {
                throw new NvmeException(
                        "a " + what + " of " + bytes + " bytes does not fit one " + unit
                                + "-byte physically contiguous page of the DMA space's memory; create the queue with fewer entries");
            }
            long inUnit = at % unit;
            return inUnit + bytes > unit ? at - inUnit + unit : at;
        }

        /** The PRP pages as runs that do not cross a unit boundary: {start page, page count} pairs. */
        List<long[]> prpRuns() {
            List<long[]> runs = new ArrayList<>();
            int page = 0;
            while (page < prpPages) {
                long at = prp + page * PAGE;
                long room = (unit - at % unit) / PAGE;
                int n = (int) Math.min(room, prpPages - page);
                runs.add(new long[] {page, n});
                page += n;
            }
            return runs;
        }
    }

    private final DmaBuffer buffer;
    private final List<DmaMapping> mappings = new ArrayList<>();
    final DmaMapping sq;
    final DmaMapping cq;
    final DmaMapping spare;
    /** The PRP list pages as the CPU sees them: page i at offset i * PAGE. */
    final MemorySegment prp;
    /** The device's address of each PRP list page. */
    final long[] prpIova;

    /**
     * Allocates and maps the memory for a queue pair of {@code sqBytes} and {@code cqBytes} (page
     * multiples) with {@code prpPages} PRP list pages; the spare page is mapped {@code spareDirection}.
     */
    QueueMemory(DmaSpace space, long sqBytes, long cqBytes, int prpPages, DmaDirection spareDirection) {
        Layout plain = Layout.of(sqBytes, cqBytes, prpPages, Long.MAX_VALUE);
        DmaBuffer b = space.allocate(plain.end());
        Undo undo = new Undo();
        undo.push(b::close);
        try {
            Layout layout = Layout.of(sqBytes, cqBytes, prpPages, unit(b));
            if (layout.end() > b.byteSize()) { // hugepage boundaries pushed something further: ask for that much
                b.close();
                undo = new Undo();
                b = space.allocate(layout.end());
                undo.push(b::close);
                layout = Layout.of(sqBytes, cqBytes, prpPages, unit(b));
                if (layout.end() > b.byteSize()) {
                    throw new NvmeException("the DMA space allocated " + b.byteSize()
                            + " bytes for a queue pair that needs " + layout.end());
                }
            }
            this.buffer = b;
            this.sq = map(space, undo, layout.sq(), sqBytes, DmaDirection.TO_DEVICE);
            this.cq = map(space, undo, layout.cq(), cqBytes, DmaDirection.FROM_DEVICE);
            this.spare = map(space, undo, layout.spare(), PAGE, spareDirection);
            this.prpIova = new long[prpPages];
            for (long[] run : layout.prpRuns()) {
                DmaMapping m = map(space, undo, layout.prp() + run[0] * PAGE, run[1] * PAGE, DmaDirection.TO_DEVICE);
                for (int i = 0; i < run[1]; i++) {
                    prpIova[(int) run[0] + i] = m.iova().value() + i * PAGE;
                }
            }
            this.prp = b.segment().asSlice(layout.prp(), prpPages * PAGE);
        } catch (RuntimeException e) {
            throw undo.unwind(e);
        } catch (Error e) {
            throw undo.unwind(e);
        }
    }

    /** How far the buffer is physically contiguous: one hugepage, or all of it (4 KiB pages come from IOMMU spaces). */
    private static long unit(DmaBuffer b) {
        return b.pageSize().isHuge() ? b.pageSize().bytes() : Long.MAX_VALUE;
    }

    private DmaMapping map(DmaSpace space, Undo undo, long offset, long length, DmaDirection direction) {
        DmaMapping m = space.map(buffer, offset, length, direction, null);
        mappings.add(m);
        undo.push(m::close); // unmapped before the buffer is freed
        return m;
    }

    /** Unmaps every mapping, then frees the buffer; the first failure is thrown, the rest suppressed. Idempotent. */
    @Override
    public void close() {
        Undo undo = new Undo();
        undo.push(buffer::close);
        for (DmaMapping m : mappings) {
            undo.push(m::close);
        }
        undo.run();
    }
}
