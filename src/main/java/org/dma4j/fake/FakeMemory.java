package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dma4j.PageSize;
import org.dma4j.PhysAddr;
import org.dma4j.mem.AddressResolver;

/**
 * Simulated physical memory for tests: a sparse, page-granular map from this process's 4 KiB
 * pages to made-up page frames, handed out the first time a page is resolved, as a simulated
 * pagemap. Contiguous by default (pages resolved in order get consecutive frames);
 * {@code fragmented} leaves a hole after every frame, as a long-running machine's memory looks,
 * so that code needing physical contiguity can be tested. Thread-safe.
 */
public final class FakeMemory implements AddressResolver {
    private static final long PAGE = PageSize.SIZE_4K.bytes();

    private final Map<Long, Long> frames = new HashMap<>();
    private final boolean fragmented;
    private long nextFrame;

    /** Frames start at physical 4 GiB, where no real low-memory quirk lives. */
    public FakeMemory(boolean fragmented) {
        this.fragmented = fragmented;
        this.nextFrame = (4L << 30) / PAGE;
    }

    @Override
    public synchronized List<PhysAddr> resolvePages(MemorySegment range, PageSize pageSize) {
        long start = range.address() & -pageSize.bytes();
        long end = pageSize.alignUp(range.address() + Math.max(1, range.byteSize()));
        List<PhysAddr> out = new ArrayList<>();
        for (long v = start; v < end; v += PAGE) {
            long frame = frames.computeIfAbsent(v / PAGE, k -> nextFrame += fragmented ? 2 : 1);
            if ((v - start) % pageSize.bytes() == 0) {
                out.add(new PhysAddr(frame * PAGE));
            }
        }
        return out;
    }

    /** How many pages have a frame. */
    public synchronized int pagesResolved() {
        return frames.size();
    }
}
