package org.dma4j.pci;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import org.dma4j.Dma4jException;
import org.junit.jupiter.api.Test;

/**
 * {@link VfioRegion#parse} on hand-built {@code VFIO_DEVICE_GET_REGION_INFO} answers, as the
 * kernel lays them out: the offsets below are written from {@code <linux/vfio.h>} by hand, not
 * from the jextract layouts, so the test checks those too.
 */
class VfioRegionParseTest {
    // struct vfio_region_info: argsz 0, flags 4, index 8, cap_offset 12, size 16, offset 24; 32 bytes
    static final int INFO = 32;
    static final int READ = 1, WRITE = 2, MMAP = 4, CAPS = 8;
    static final int CAP_SPARSE_MMAP = 1, CAP_TYPE = 2, CAP_MSIX_MAPPABLE = 3;
    static final long BAR2_OFFSET = 2L << 40; // VFIO_PCI_INDEX_TO_OFFSET(2) in vfio-pci

    private final Arena arena = Arena.ofAuto();

    MemorySegment info(int bytes, int flags, int index, int capOffset, long size, long offset) {
        MemorySegment s = arena.allocate(bytes, 8);
        s.set(JAVA_INT, 0, bytes);
        s.set(JAVA_INT, 4, flags);
        s.set(JAVA_INT, 8, index);
        s.set(JAVA_INT, 12, capOffset);
        s.set(JAVA_LONG, 16, size);
        s.set(JAVA_LONG, 24, offset);
        return s;
    }

    /** struct vfio_info_cap_header: id 0 (u16), version 2 (u16), next 4 (u32). */
    static void header(MemorySegment s, int at, int id, int version, int next) {
        s.set(JAVA_SHORT, at, (short) id);
        s.set(JAVA_SHORT, at + 2, (short) version);
        s.set(JAVA_INT, at + 4, next);
    }

    /** struct vfio_region_info_cap_sparse_mmap: header, nr_areas 8, reserved 12, areas 16 ({offset, size} u64 each). */
    static int sparse(MemorySegment s, int at, int next, long... offsetSize) {
        header(s, at, CAP_SPARSE_MMAP, 1, next);
        s.set(JAVA_INT, at + 8, offsetSize.length / 2);
        for (int i = 0; i < offsetSize.length; i++) {
            s.set(JAVA_LONG, at + 16 + 8L * i, offsetSize[i]);
        }
        return at + 16 + 8 * offsetSize.length;
    }

    /** A BAR with a sparse mmap (the MSI-X table page left out), MSIX_MAPPABLE and a device-specific type. */
    @Test
    void chainOfThreeCapabilities() {
        int sparseAt = INFO, msixAt = INFO + 16 + 32, typeAt = msixAt + 8, end = typeAt + 16;
        MemorySegment s = info(end, READ | WRITE | MMAP | CAPS, 2, sparseAt, 0x4000, BAR2_OFFSET);
        assertEquals(msixAt, sparse(s, sparseAt, msixAt, 0, 0x1000, 0x3000, 0x1000));
        header(s, msixAt, CAP_MSIX_MAPPABLE, 1, typeAt);
        header(s, typeAt, CAP_TYPE, 1, 0); // struct vfio_region_info_cap_type: type 8, subtype 12
        s.set(JAVA_INT, typeAt + 8, 0x8086 | (1 << 31)); // VFIO_REGION_TYPE_PCI_VENDOR_TYPE | vendor
        s.set(JAVA_INT, typeAt + 12, 1);

        VfioRegion r = VfioRegion.parse(s, 2);

        assertEquals(
                new VfioRegion(
                        2,
                        READ | WRITE | MMAP | CAPS,
                        0x4000,
                        BAR2_OFFSET,
                        List.of(new VfioRegion.Area(0, 0x1000), new VfioRegion.Area(0x3000, 0x1000)),
                        List.of(CAP_SPARSE_MMAP, CAP_MSIX_MAPPABLE, CAP_TYPE)),
                r);
        assertTrue(r.readable() && r.writable() && r.mmappable());
    }

    @Test
    void regionWithoutCapabilities() {
        // config space: read/write, not mmappable; cap_offset is left over garbage without FLAG_CAPS
        MemorySegment s = info(INFO, READ | WRITE, 7, 0xdead, 256, 7L << 40);
        VfioRegion r = VfioRegion.parse(s, 7);
        assertEquals(new VfioRegion(7, READ | WRITE, 256, 7L << 40, List.of(), List.of()), r);
        assertFalse(r.mmappable());
    }

    @Test
    void sparseMmapWithNoAreasMeansNothingIsMmappable() {
        MemorySegment s = info(INFO + 16, READ | WRITE | MMAP | CAPS, 0, INFO, 0x2000, 0);
        sparse(s, INFO, 0);
        VfioRegion r = VfioRegion.parse(s, 0);
        assertEquals(List.of(), r.sparseAreas());
        assertEquals(List.of(CAP_SPARSE_MMAP), r.capabilityIds());
    }

    @Test
    void chainThatLoopsBackIsRefusedNotFollowed() {
        MemorySegment s = info(INFO + 16, READ | CAPS, 1, INFO, 0x1000, 1L << 40);
        header(s, INFO, CAP_MSIX_MAPPABLE, 1, INFO + 8);
        header(s, INFO + 8, CAP_MSIX_MAPPABLE, 1, INFO); // points back at the first
        var e = assertTimeoutPreemptively(
                Duration.ofSeconds(10), () -> assertThrows(Dma4jException.class, () -> VfioRegion.parse(s, 1)));
        assertTrue(
                e.getMessage()
                        .startsWith("VFIO_DEVICE_GET_REGION_INFO for region 1 returned a malformed capability"
                                + " chain: a capability at offset 32 of a 48-byte buffer"),
                e.getMessage());
    }

    @Test
    void capabilityPastTheBufferIsRefused() {
        MemorySegment s = info(INFO + 8, READ | CAPS, 0, INFO + 8, 0x1000, 0); // header would start at the end
        var e = assertThrows(Dma4jException.class, () -> VfioRegion.parse(s, 0));
        assertTrue(e.getMessage().contains("at offset 40 of a 40-byte buffer"), e.getMessage());
    }

    @Test
    void capabilityInsideTheFixedPartIsRefused() {
        MemorySegment s = info(INFO + 8, READ | CAPS, 0, 16, 0x1000, 0);
        var e = assertThrows(Dma4jException.class, () -> VfioRegion.parse(s, 0));
        assertTrue(e.getMessage().contains("at offset 16 of a 40-byte buffer"), e.getMessage());
    }

    @Test
    void moreSparseAreasThanTheBufferHoldsAreRefused() {
        MemorySegment s = info(INFO + 32, READ | MMAP | CAPS, 0, INFO, 0x4000, 0);
        sparse(s, INFO, 0, 0, 0x1000);
        s.set(JAVA_INT, INFO + 8, 1000); // nr_areas
        var e = assertThrows(Dma4jException.class, () -> VfioRegion.parse(s, 0));
        assertEquals(
                "VFIO_DEVICE_GET_REGION_INFO for region 0 (1000 sparse mmap areas): capability 1 needs 16016 bytes"
                        + " but has 32 before the next one or the buffer's end",
                e.getMessage());
    }
}
