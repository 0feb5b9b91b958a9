package org.dma4j.iommu;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;
import org.dma4j.Dma4jException;
import org.dma4j.PageSize;
import org.junit.jupiter.api.Test;

/**
 * {@link VfioType1Space#parse} on hand-built {@code VFIO_IOMMU_GET_INFO} answers; offsets written
 * from {@code <linux/vfio.h>} by hand (not from the jextract layouts).
 */
class VfioType1InfoParseTest {
    // struct vfio_iommu_type1_info: argsz 0, flags 4, iova_pgsizes 8, cap_offset 16, pad 20; 24 bytes
    static final int INFO = 24;
    static final int FLAG_PGSIZES = 1, FLAG_CAPS = 2;
    static final int CAP_IOVA_RANGE = 1, CAP_MIGRATION = 2, CAP_DMA_AVAIL = 3;
    static final long PGSIZES_4K_2M_1G = 0x1000L | 0x20_0000L | 0x4000_0000L;

    private final Arena arena = Arena.ofAuto();

    MemorySegment info(int bytes, int flags, long pgsizes, int capOffset) {
        MemorySegment s = arena.allocate(bytes, 8);
        s.set(JAVA_INT, 0, bytes);
        s.set(JAVA_INT, 4, flags);
        s.set(JAVA_LONG, 8, pgsizes);
        s.set(JAVA_INT, 16, capOffset);
        return s;
    }

    static void header(MemorySegment s, int at, int id, int version, int next) {
        s.set(JAVA_SHORT, at, (short) id);
        s.set(JAVA_SHORT, at + 2, (short) version);
        s.set(JAVA_INT, at + 4, next);
    }

    /** struct vfio_iommu_type1_info_cap_iova_range: header, nr_iovas 8, reserved 12, ranges 16 ({start, end} u64). */
    static int iovaRanges(MemorySegment s, int at, int next, long... startEnd) {
        header(s, at, CAP_IOVA_RANGE, 1, next);
        s.set(JAVA_INT, at + 8, startEnd.length / 2);
        for (int i = 0; i < startEnd.length; i++) {
            s.set(JAVA_LONG, at + 16 + 8L * i, startEnd[i]);
        }
        return at + 16 + 8 * startEnd.length;
    }

    /** What an Intel IOMMU with 39-bit addresses reports: the MSI window cut out, and dma_avail. */
    @Test
    void rangesAroundTheMsiWindowAndMappingsLeft() {
        int rangesAt = INFO, migrationAt = rangesAt + 16 + 32, availAt = migrationAt + 32, end = availAt + 12;
        MemorySegment s = info(end, FLAG_PGSIZES | FLAG_CAPS, PGSIZES_4K_2M_1G, rangesAt);
        assertEquals(migrationAt, iovaRanges(s, rangesAt, migrationAt, 0, 0xfedf_ffffL, 0xfef0_0000L, 0x7f_ffff_ffffL));
        header(s, migrationAt, CAP_MIGRATION, 1, availAt); // ignored: flags, pgsize_bitmap, max_dirty_bitmap_size
        header(s, availAt, CAP_DMA_AVAIL, 1, 0); // struct vfio_iommu_type1_info_dma_avail: avail 8
        s.set(JAVA_INT, availAt + 8, 65533);

        VfioType1Space.Info info = VfioType1Space.parse(s);

        assertEquals(
                new VfioType1Space.Info(
                        PGSIZES_4K_2M_1G,
                        65533,
                        List.of(IovaRange.of(0, 0xfedf_ffffL), IovaRange.of(0xfef0_0000L, 0x7f_ffff_ffffL)),
                        Set.of(PageSize.SIZE_4K, PageSize.SIZE_2M, PageSize.SIZE_1G)),
                info);
    }

    @Test
    void kernelsBefore54ReportNoRangesSoTheWholeSpaceIsValid() {
        MemorySegment s = info(INFO, FLAG_PGSIZES, 0xffff_ffff_ffff_f000L, 0);
        VfioType1Space.Info info = VfioType1Space.parse(s);
        assertEquals(List.of(IovaRange.of(0, -1)), info.ranges());
        assertEquals(Integer.MAX_VALUE, info.dmaAvail(), "no DMA_AVAIL capability: the kernel does not count");
        assertEquals(Set.of(PageSize.values()), info.pageSizes());
    }

    @Test
    void onlyTheSmallPageSize() {
        MemorySegment s = info(INFO + 32, FLAG_PGSIZES | FLAG_CAPS, 0x1000, INFO);
        iovaRanges(s, INFO, 0, 0x10_0000, 0xffff_ffffL);
        VfioType1Space.Info info = VfioType1Space.parse(s);
        assertEquals(Set.of(PageSize.SIZE_4K), info.pageSizes());
        assertEquals(List.of(IovaRange.of(0x10_0000, 0xffff_ffffL)), info.ranges());
    }

    @Test
    void emptyRangeIsAMalformedAnswerNotAnArgumentError() {
        MemorySegment s = info(INFO + 32, FLAG_CAPS, 0x1000, INFO);
        iovaRanges(s, INFO, 0, 0x2000, 0x1000);
        var e = assertThrows(Dma4jException.class, () -> VfioType1Space.parse(s));
        assertEquals("VFIO_IOMMU_GET_INFO reported an empty IOVA range 0x2000-0x1000", e.getMessage());
    }

    @Test
    void moreRangesThanTheBufferHoldsAreRefused() {
        MemorySegment s = info(INFO + 32, FLAG_CAPS, 0x1000, INFO);
        iovaRanges(s, INFO, 0, 0, 0xffff);
        s.set(JAVA_INT, INFO + 8, 3); // nr_iovas
        var e = assertThrows(Dma4jException.class, () -> VfioType1Space.parse(s));
        assertTrue(
                e.getMessage()
                        .startsWith("VFIO_IOMMU_GET_INFO (3 IOVA ranges): capability 1 needs 64 bytes but has 32"),
                e.getMessage());
    }

    @Test
    void truncatedDmaAvailIsRefused() {
        MemorySegment s = info(INFO + 8, FLAG_CAPS, 0x1000, INFO);
        header(s, INFO, CAP_DMA_AVAIL, 1, 0);
        var e = assertThrows(Dma4jException.class, () -> VfioType1Space.parse(s));
        assertTrue(
                e.getMessage().startsWith("VFIO_IOMMU_GET_INFO: capability 3 needs 12 bytes but has 8"),
                e.getMessage());
    }

    @Test
    void chainPointingBackwardsIsRefused() {
        MemorySegment s = info(INFO + 40, FLAG_CAPS, 0x1000, INFO + 32);
        header(s, INFO, CAP_MIGRATION, 1, 0);
        header(s, INFO + 32, CAP_MIGRATION, 1, INFO); // the second points at the first
        var e = assertThrows(Dma4jException.class, () -> VfioType1Space.parse(s));
        assertTrue(
                e.getMessage()
                        .startsWith("VFIO_IOMMU_GET_INFO returned a malformed capability chain: a capability"
                                + " at offset 24 of a 64-byte buffer"),
                e.getMessage());
    }
}
