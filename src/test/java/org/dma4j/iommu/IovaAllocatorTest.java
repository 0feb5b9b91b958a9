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

    /**
     * Issue 12: the free runs are also indexed by length, so that a large request skips the
     * small holes without visiting them; what it returns must stay first fit, alignment included:
     * the lowest run that can hold the request, whether that run is long or just long enough.
     */
    @Test
    void firstFitAmongManyHolesOfEveryLength() {
        IovaAllocator a = new IovaAllocator(List.of(IovaRange.of(0, 1024 * MB - 1)));
        Iova[] taken = new Iova[2000];
        for (int i = 0; i < taken.length; i++) {
            taken[i] = a.allocate(i % 2 == 0 ? 4096 : 3 * 4096, 4096);
        }
        for (int i = 0; i < taken.length; i += 2) {
            a.free(taken[i], 4096); // 1000 holes of 4 KiB
        }
        a.free(taken[1001], 3 * 4096); // merges with holes 1000 and 1002: 5 pages
        Iova big = a.allocate(5 * 4096, 4096);
        assertEquals(taken[1000], big, "the one run of 5 pages, not the end of the used space");
        Iova small = a.allocate(4096, 4096);
        assertEquals(taken[0], small, "the lowest hole");
        Iova aligned = a.allocate(4096, 8192);
        long expected = taken[0].value() % 8192 == 0 ? taken[4].value() : taken[2].value();
        for (int i = 2; i < taken.length; i += 2) { // the lowest 4 KiB hole that is 8 KiB aligned
            if (i != 1000 && i != 1002 && taken[i].value() % 8192 == 0) {
                expected = taken[i].value();
                break;
            }
        }
        assertEquals(expected, aligned.value(), "the lowest hole that is aligned, though holes below are not");
        Iova huge = a.allocate(64 * MB, 2 * MB);
        assertTrue(huge.value() > taken[taken.length - 1].value() && huge.value() % (2 * MB) == 0, huge.toString());
        a.free(huge, 64 * MB);
        a.free(aligned, 4096);
        a.free(small, 4096);
        a.free(big, 5 * 4096);
        for (int i = 1; i < taken.length; i += 2) {
            if (i != 1001) {
                a.free(taken[i], 3 * 4096);
            }
        }
        assertEquals(
                IovaAllocator.LOW_GUARD, a.allocate(1023 * MB, 4096).value(), "everything merged back into one run");
    }

    @Test
    void freedNeighboursMerge() {
        IovaAllocator a = new IovaAllocator(List.of(IovaRange.of(0, 2 * MB - 1)));
        Iova x = a.allocate(MB / 2, 4096);
        Iova y = a.allocate(MB / 2, 4096);
        assertThrows(
                DmaMapException.IovaExhausted.class, () -> a.allocate(4096, 4096), "the 1 MiB above the guard is used");
        a.free(x, MB / 2);
        a.free(y, MB / 2);
        assertEquals(x, a.allocate(MB, 4096), "both halves merged into one free run");
    }

    @Test
    void exhaustionSaysWhatWasAskedAndWhere() {
        IovaAllocator a = new IovaAllocator(List.of(IovaRange.of(0, 2 * MB - 1)));
        var e = assertThrows(DmaMapException.IovaExhausted.class, () -> a.allocate(4 * MB, 4096));
        assertTrue(
                e.getMessage().contains("no free IOVA range of 4194304 bytes")
                        && e.getMessage().contains("0x0-0x1fffff"),
                e.getMessage());
    }

    @Test
    void fixedReservationsAreCheckedAgainstRangesAndLiveOnes() {
        IovaAllocator a =
                new IovaAllocator(List.of(IovaRange.of(0, 0xfedf_ffffL), IovaRange.of(0xfef0_0000L, (1L << 48) - 1)));
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
