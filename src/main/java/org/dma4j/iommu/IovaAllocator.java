package org.dma4j.iommu;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.dma4j.Iova;

/**
 * Hands out IOVA ranges inside the IOMMU's valid ranges: first fit, aligned as asked, freed
 * ranges merged and reused. Lives above the backends, written once for all of them. IOVAs at
 * or above 2^63 are never handed out (no IOMMU dma4j knows needs them), and the first 1 MiB
 * stays unused so that a device DMA to a small bogus address faults instead of hitting a mapping.
 * The free runs are indexed by address and by length, so that first fit looks only at runs long
 * enough (one per distinct length), not at every hole below: the cost does not grow with the
 * number of live mappings. Not thread-safe: the owning DMA space serialises calls.
 */
final class IovaAllocator {
    static final long LOW_GUARD = 1L << 20;

    /** start -> end (exclusive) of each free run. */
    private final TreeMap<Long, Long> free = new TreeMap<>();
    /** length -> the starts of the free runs of that length (the same runs as {@link #free}). */
    private final TreeMap<Long, TreeSet<Long>> byLength = new TreeMap<>();

    private final List<IovaRange> ranges;

    IovaAllocator(List<IovaRange> ranges) {
        this.ranges = List.copyOf(ranges);
        for (IovaRange r : ranges) {
            long start = Math.max(r.first().value(), LOW_GUARD);
            if (r.first().value() < 0) {
                continue; // entirely at or above 2^63
            }
            long last = r.last().value() < 0 ? Long.MAX_VALUE - 1 : r.last().value();
            if (start <= last) {
                put(start, last + 1);
            }
        }
    }

    List<IovaRange> ranges() {
        return ranges;
    }

    /** A free range of {@code length} bytes aligned to {@code alignment} (a power of two). */
    Iova allocate(long length, long alignment) {
        return allocate(length, alignment, DmaMask.ALL);
    }

    /**
     * A free range of {@code length} bytes aligned to {@code alignment} (a power of two) whose
     * last byte is at or below {@code mask}: the lowest such range (first fit), so a device with
     * a small mask finds room when one exists.
     */
    Iova allocate(long length, long alignment, DmaMask mask) {
        // Free runs never reach 2^63 (see the constructor), so a mask of 63 or more bits limits nothing.
        long limitEnd = mask.bits() >= 63 ? Long.MAX_VALUE : mask.mask() + 1; // exclusive
        if (limitEnd != Long.MAX_VALUE) {
            // A limited device (edu's 28 bits): walk the runs below its limit, lowest first.
            for (Map.Entry<Long, Long> run : free.headMap(limitEnd, false).entrySet()) {
                long start = (run.getKey() + alignment - 1) & -alignment;
                long end = Math.min(run.getValue(), limitEnd);
                if (start >= run.getKey() && start <= end - length) {
                    take(run.getKey(), run.getValue(), start, start + length);
                    return Iova.of(start);
                }
            }
            throw exhausted(length, alignment, mask);
        }
        // First fit: the lowest run that can hold it. Runs of at least length + alignment - 1 bytes
        // always can, so the lowest of each such length is the candidate; shorter ones fit only if
        // aligned well enough, and are looked at one by one.
        long bestRun = -1;
        for (Map.Entry<Long, TreeSet<Long>> same :
                byLength.tailMap(length, true).entrySet()) {
            if (same.getKey() - length >= alignment - 1) {
                long first = same.getValue().first();
                if (bestRun < 0 || first < bestRun) {
                    bestRun = first;
                }
                continue;
            }
            for (long runStart : same.getValue()) {
                if (bestRun >= 0 && runStart >= bestRun) {
                    break;
                }
                if (fits(runStart, same.getKey(), length, alignment)) {
                    bestRun = runStart;
                    break;
                }
            }
        }
        if (bestRun >= 0) {
            long runEnd = free.get(bestRun);
            long start = (bestRun + alignment - 1) & -alignment;
            take(bestRun, runEnd, start, start + length);
            return Iova.of(start);
        }
        throw exhausted(length, alignment, mask);
    }

    private DmaMapException.IovaExhausted exhausted(long length, long alignment, DmaMask mask) {
        return new DmaMapException.IovaExhausted("no free IOVA range of " + length + " bytes aligned to 0x"
                + Long.toHexString(alignment) + " in " + ranges + (mask.bits() < 64 ? " under the " + mask : "")
                + " (" + free.size() + " free runs left)");
    }

    private static boolean fits(long runStart, long runLength, long length, long alignment) {
        long start = (runStart + alignment - 1) & -alignment;
        return start >= runStart && start - runStart <= runLength - length;
    }

    /** Takes [iova, iova + length) for a fixed mapping; it must be free and valid. */
    void reserve(Iova iova, long length) {
        long start = iova.value();
        if (ranges.stream().noneMatch(r -> r.contains(iova, length))) {
            throw new DmaMapException.InvalidRequest(
                    iova + " + " + length + " bytes is outside the valid IOVA ranges " + ranges);
        }
        Map.Entry<Long, Long> run = free.floorEntry(start);
        if (run == null || run.getValue() < start + length || start < 0) {
            if (start < LOW_GUARD) {
                throw new DmaMapException.InvalidRequest(iova + " is in the first 1 MiB, which dma4j keeps unmapped "
                        + "so that stray small device addresses fault");
            }
            throw new DmaMapException.IovaConflict(iova + " + " + length + " bytes overlaps a live mapping");
        }
        take(run.getKey(), run.getValue(), start, start + length);
    }

    /** Returns [iova, iova + length) to the free runs, merging with its neighbours. */
    void free(Iova iova, long length) {
        long start = iova.value();
        long end = start + length;
        Map.Entry<Long, Long> before = free.floorEntry(start);
        if (before != null && before.getValue() == start) {
            start = before.getKey();
            remove(before.getKey());
        }
        Long afterEnd = free.get(end);
        if (afterEnd != null) {
            remove(end);
            end = afterEnd;
        }
        put(start, end);
    }

    private void take(long runStart, long runEnd, long start, long end) {
        remove(runStart);
        if (runStart < start) {
            put(runStart, start);
        }
        if (end < runEnd) {
            put(end, runEnd);
        }
    }

    private void put(long start, long end) {
        free.put(start, end);
        byLength.computeIfAbsent(end - start, k -> new TreeSet<>()).add(start);
    }

    private void remove(long start) {
        long end = free.remove(start);
        TreeSet<Long> same = byLength.get(end - start);
        same.remove(start);
        if (same.isEmpty()) {
            byLength.remove(end - start);
        }
    }
}
