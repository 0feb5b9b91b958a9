package org.dma4j.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dma4j.Iova;
import org.junit.jupiter.api.Test;

class IovaAllocatorTest {
    private static final long MB = 1 << 20;

    @Test
    void allocatesAlignedAboveTheLowGuardAndReusesFreedRanges() {
        IovaAllocator a = new IovaAllocator(List.of(IovaRange.of(0, 64 * MB - 1)));
        Iova first = a.allocate(4096, 4096);
        assertEquals(IovaAllocator.LOW_GUARD, first.value(), "nothing below 1 MiB");
        Iova huge = a.allocate(2 * MB, 2 * MB);
        assertEquals(0, huge.value() % (2 * MB), "2 MiB aligned: " + huge);
        Iova next = a.allocate(4096, 4096);
        assertEquals(first.value() + 4096, next.value(), "first fit fills the gap before the aligned one");
        a.free(first, 4096);
        assertEquals(first, a.allocate(4096, 4096), "a freed range is reused");
    }

    @Test
    void freedNeighboursMerge() {
        IovaAllocator a = new IovaAllocator(List.of(IovaRange.of(0, 2 * MB - 1)));
        Iova x = a.allocate(MB / 2, 4096);
        Iova y = a.allocate(MB / 2, 4096);
        assertThrows(DmaMapException.IovaExhausted.class, () -> a.allocate(4096, 4096), "the 1 MiB above the guard is used");
        a.free(x, MB / 2);
        a.free(y, MB / 2);
        assertEquals(x, a.allocate(MB, 4096), "both halves merged into one free run");
    }

    @Test
    void exhaustionSaysWhatWasAskedAndWhere() {
        IovaAllocator a = new IovaAllocator(List.of(IovaRange.of(0, 2 * MB - 1)));
        var e = assertThrows(DmaMapException.IovaExhausted.class, () -> a.allocate(4 * MB, 4096));
        assertTrue(e.getMessage().contains("no free IOVA range of 4194304 bytes") && e.getMessage().contains("0x0-0x1fffff"),
                e.getMessage());
    }

    @Test
    void fixedReservationsAreCheckedAgainstRangesAndLiveOnes() {
        IovaAllocator a = new IovaAllocator(List.of(IovaRange.of(0, 0xfedf_ffffL), IovaRange.of(0xfef0_0000L, (1L << 48) - 1)));
        a.reserve(Iova.of(0x200000), 8192);
        var overlap = assertThrows(DmaMapException.IovaConflict.class, () -> a.reserve(Iova.of(0x201000), 4096));
        assertTrue(overlap.getMessage().contains("overlaps a live mapping"), overlap.getMessage());
        var msi = assertThrows(DmaMapException.InvalidRequest.class, () -> a.reserve(Iova.of(0xfee0_0000L), 4096));
        assertTrue(msi.getMessage().contains("outside the valid IOVA ranges"), msi.getMessage());
        assertThrows(DmaMapException.InvalidRequest.class, () -> a.reserve(Iova.of(0x1000), 4096), "low guard");
        a.free(Iova.of(0x200000), 8192);
        a.reserve(Iova.of(0x201000), 4096);
    }

    @Test
    void rangesAboveTwoToTheSixtyThreeAreNotHandedOut() {
        IovaAllocator a = new IovaAllocator(List.of(IovaRange.of(0, -1)));
        a.reserve(Iova.of(Long.MAX_VALUE - 4095 - 4096), 4096);
        assertThrows(DmaMapException.class, () -> a.reserve(Iova.of(0x8000_0000_0000_0000L), 4096));
    }
}
