package org.dma4j.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.dma4j.Iova;
import org.junit.jupiter.api.Test;

/**
 * No IOVA above a device's DMA mask is ever handed out: the allocator every IOMMU backend uses
 * (type1, iommufd, fake) driven by seeded random allocate/free sequences over random range sets
 * and masks, each answer checked against a page-granular model of what is free: an IOVA is under
 * the mask, aligned, inside a valid range and free; an exhaustion is a true one (the model finds
 * no fitting place under the mask either).
 */
class DmaMaskAllocationTest {
    private static final long PAGE = 4096;
    private static final long MB = 1 << 20;

    @Test
    void dmaMaskValues() {
        assertEquals(0xfffffffL, DmaMask.bits(28).mask());
        assertEquals(DmaMask.bits(30), DmaMask.of(0x3fffffffL));
        assertEquals(-1L, DmaMask.ALL.mask());
        assertThrows(IllegalArgumentException.class, () -> DmaMask.of(0x3000_0000L), "not 2^n - 1");
        assertThrows(IllegalArgumentException.class, () -> DmaMask.bits(11));
        assertTrue(DmaMask.bits(28).covers(Iova.of(0xffff000L), 4096));
        assertTrue(!DmaMask.bits(28).covers(Iova.of(0xffff000L), 4097), "the last byte counts");
        assertTrue(!DmaMask.ALL.covers(Iova.of(-4096L), 8192), "wrapping past 2^64 is never covered");
        assertEquals(DmaMask.bits(28), DmaMask.bits(32).min(DmaMask.bits(28)));
    }

    @Test
    void randomSequencesNeverHandOutAnIovaAboveTheMask() {
        for (long seed = 0; seed < 100; seed++) {
            Random r = new Random(seed);
            List<IovaRange> ranges = randomRanges(r);
            IovaAllocator a = new IovaAllocator(ranges);
            // The model: page number -> in use, over [0, 64 MiB), where every range and mask lives.
            boolean[] used = new boolean[(int) (64 * MB / PAGE)];
            TreeMap<Long, Long> live = new TreeMap<>();
            for (int step = 0; step < 200; step++) {
                if (!live.isEmpty() && r.nextInt(3) == 0) {
                    Long start = new ArrayList<>(live.keySet()).get(r.nextInt(live.size()));
                    long len = live.remove(start);
                    a.free(Iova.of(start), len);
                    mark(used, start, len, false);
                    continue;
                }
                DmaMask mask = DmaMask.bits(21 + r.nextInt(6)); // 2 to 64 MiB
                long len = PAGE * (1 + r.nextInt(r.nextBoolean() ? 4 : 256));
                long align = PAGE << r.nextInt(r.nextInt(4) == 0 ? 10 : 2);
                Iova got;
                try {
                    got = a.allocate(len, align, mask);
                } catch (DmaMapException.IovaExhausted e) {
                    assertTrue(e.getMessage().contains("under the " + mask), e.getMessage());
                    long fit = firstFit(used, ranges, len, align, mask);
                    if (fit >= 0) {
                        fail("seed " + seed + " step " + step + ": exhausted, but 0x" + Long.toHexString(fit) + " +"
                                + len + " aligned 0x" + Long.toHexString(align) + " was free under the " + mask);
                    }
                    continue;
                }
                long v = got.value();
                String what = "seed " + seed + " step " + step + ": 0x" + Long.toHexString(v) + " +" + len;
                assertTrue(mask.covers(got, len), what + " is above the " + mask);
                assertEquals(0, v % align, what + " is not aligned to 0x" + Long.toHexString(align));
                assertTrue(v >= IovaAllocator.LOW_GUARD, what + " is in the low guard");
                assertTrue(ranges.stream().anyMatch(x -> x.contains(got, len)), what + " is outside " + ranges);
                for (long p = v; p < v + len; p += PAGE) {
                    assertTrue(!used[(int) (p / PAGE)], what + " overlaps a live range at 0x" + Long.toHexString(p));
                }
                assertEquals(firstFit(used, ranges, len, align, mask), v, what + " is not the lowest fit");
                mark(used, v, len, true);
                live.put(v, len);
            }
        }
    }

    /** One to three ranges inside [0, 64 MiB), so that some straddle each mask and some lie above it. */
    private static List<IovaRange> randomRanges(Random r) {
        List<IovaRange> out = new ArrayList<>();
        long at = 0;
        for (int i = 0, n = 1 + r.nextInt(3); i < n && at < 60 * MB; i++) {
            long start = at + PAGE * r.nextInt(1024);
            long end = Math.min(64 * MB, start + PAGE * (1 + r.nextInt(8192)));
            out.add(IovaRange.of(start, end - 1));
            at = end + PAGE;
        }
        return out;
    }

    private static void mark(boolean[] used, long start, long len, boolean value) {
        for (long p = start; p < start + len; p += PAGE) {
            used[(int) (p / PAGE)] = value;
        }
    }

    /** The lowest aligned start of a free run of {@code len} inside one range, above the guard and under the mask; -1 if none. */
    private static long firstFit(boolean[] used, List<IovaRange> ranges, long len, long align, DmaMask mask) {
        for (long s = (IovaAllocator.LOW_GUARD + align - 1) / align * align; s + len <= 64 * MB; s += align) {
            long start = s;
            if (!mask.covers(Iova.of(start), len) || ranges.stream().noneMatch(x -> x.contains(Iova.of(start), len))) {
                continue;
            }
            boolean free = true;
            for (long p = start; p < start + len && free; p += PAGE) {
                free = !used[(int) (p / PAGE)];
            }
            if (free) {
                return start;
            }
        }
        return -1;
    }
}
