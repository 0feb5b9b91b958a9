package org.dma4j.iommu;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.Dma4jException;
import org.dma4j.Errno;
import org.dma4j.ErrnoException;
import org.dma4j.linux.Syscalls;
import org.junit.jupiter.api.Test;

/**
 * {@link IommufdSpace#iovaRanges(int, java.util.function.Consumer)} against a stand-in for the
 * kernel's {@code iommufd_ioas_iova_ranges()}: it fills what fits, always sets {@code num_iovas} to
 * the total, and fails with EMSGSIZE when the total did not fit. Offsets from {@code <linux/iommufd.h>}.
 */
class IommufdIovaRangesTest {
    // struct iommu_ioas_iova_ranges: size 0, ioas_id 4, num_iovas 8, __reserved 12, allowed_iovas 16,
    // out_iova_alignment 24; 32 bytes. struct iommu_iova_range: start 0, last 8; 16 bytes.
    static final int IOAS = 7;

    /** The kernel side, with the ranges it holds at each call (the list may change between calls). */
    static final class Kernel {
        final List<long[]> perCall = new ArrayList<>();
        final List<Integer> capacities = new ArrayList<>();
        int calls;

        void ioctl(MemorySegment s) {
            assertEquals(32, s.get(JAVA_INT, 0), "size");
            assertEquals(IOAS, s.get(JAVA_INT, 4), "ioas_id");
            long[] ranges = perCall.get(Math.min(calls++, perCall.size() - 1));
            int max = s.get(JAVA_INT, 8);
            long user = s.get(JAVA_LONG, 16);
            capacities.add(max);
            int total = ranges.length / 2;
            if (max > 0) {
                MemorySegment out = Syscalls.ofAddress(user, 16L * max);
                for (int i = 0; i < Math.min(max, total); i++) {
                    out.set(JAVA_LONG, 16L * i, ranges[2 * i]);
                    out.set(JAVA_LONG, 16L * i + 8, ranges[2 * i + 1]);
                }
            }
            s.set(JAVA_INT, 8, total);
            s.set(JAVA_LONG, 24, 4096); // out_iova_alignment
            if (total > max) {
                throw Syscalls.failure("ioctl IOMMU_IOAS_IOVA_RANGES on /dev/iommu", Errno.EMSGSIZE.value(), null);
            }
        }
    }

    static final long[] X86 = {0, 0xfedf_ffffL, 0xfef0_0000L, 0xffff_ffff_ffffL};

    @Test
    void asksForTheCountThenReadsEveryRange() {
        Kernel k = new Kernel();
        k.perCall.add(X86);
        assertEquals(
                List.of(IovaRange.of(0, 0xfedf_ffffL), IovaRange.of(0xfef0_0000L, 0xffff_ffff_ffffL)),
                IommufdSpace.iovaRanges(IOAS, k::ioctl));
        assertEquals(List.of(0, 2), k.capacities, "first with no room (EMSGSIZE), then with room for both");
    }

    @Test
    void rangesThatGrowBetweenCallsAreAskedAgain() {
        Kernel k = new Kernel();
        k.perCall.add(new long[] {0, 0xffff_ffffL});
        k.perCall.add(X86); // a device attached in between and split the space
        assertEquals(2, IommufdSpace.iovaRanges(IOAS, k::ioctl).size());
        assertEquals(List.of(0, 1, 2), k.capacities);
    }

    @Test
    void noRangesAtAll() {
        Kernel k = new Kernel();
        k.perCall.add(new long[0]);
        assertEquals(List.of(), IommufdSpace.iovaRanges(IOAS, k::ioctl));
        assertEquals(1, k.calls);
    }

    @Test
    void rangesThatNeverSettleGiveUpWithTheErrnoTyped() {
        Kernel k = new Kernel();
        for (int n = 1; n <= 10; n++) {
            long[] r = new long[2 * n];
            for (int i = 0; i < n; i++) {
                r[2 * i] = 0x10_0000L * 2 * i;
                r[2 * i + 1] = 0x10_0000L * (2 * i + 1) - 1;
            }
            k.perCall.add(r);
        }
        var e = assertThrows(ErrnoException.class, () -> IommufdSpace.iovaRanges(IOAS, k::ioctl));
        assertEquals(Errno.EMSGSIZE, e.errno());
        assertEquals(IommufdSpace.IOVA_RANGES_ATTEMPTS, k.calls);
        assertTrue(
                e.getMessage().endsWith("the IOAS's ranges changed on each of 5 attempts to read them"),
                e.getMessage());
    }

    @Test
    void otherErrorsPassThroughUntouched() {
        ErrnoException enoent =
                Syscalls.failure("ioctl IOMMU_IOAS_IOVA_RANGES on /dev/iommu", Errno.ENOENT.value(), null);
        var e = assertThrows(
                ErrnoException.class,
                () -> IommufdSpace.iovaRanges(IOAS, s -> {
                    throw enoent;
                }));
        assertSame(enoent, e);
    }

    @Test
    void aCountBeyondTheRoomGivenIsRefused() {
        var e = assertThrows(Dma4jException.class, () -> IommufdSpace.iovaRanges(IOAS, s -> s.set(JAVA_INT, 8, 3)));
        assertEquals("IOMMU_IOAS_IOVA_RANGES reported 3 ranges into room for 0", e.getMessage());
    }

    @Test
    void emptyRangeIsAMalformedAnswer() {
        Kernel k = new Kernel();
        k.perCall.add(new long[] {0x2000, 0x1fff});
        var e = assertThrows(Dma4jException.class, () -> IommufdSpace.iovaRanges(IOAS, k::ioctl));
        assertEquals("IOMMU_IOAS_IOVA_RANGES reported an empty IOVA range 0x2000-0x1fff", e.getMessage());
    }
}
