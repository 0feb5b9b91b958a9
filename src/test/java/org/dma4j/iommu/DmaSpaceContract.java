package org.dma4j.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.List;
import org.dma4j.AlreadyClosedException;
import org.dma4j.Iova;
import org.dma4j.MemoryKind;
import org.dma4j.PageSize;
import org.dma4j.mem.DmaBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link DmaSpace} backend must do, asserted the same way for all: the fake on the
 * host, and type1, iommufd and no-IOMMU in the QEMU guest. A subclass opens its backend and
 * supplies the device-side checks (the fake's IOMMU, or QEMU's NVMe doing real DMA).
 */
public abstract class DmaSpaceContract {
    protected DmaSpace space;

    /** Opens a fresh space of the backend under test. */
    protected abstract DmaSpace open();

    /** Whether the backend chooses IOVAs (false for no-IOMMU, where IOVA = physical address). */
    protected boolean choosesIovas() {
        return true;
    }

    /** The device writes into {@code mapping} (whose first page is {@code buffer}'s); the test then checks the CPU sees it. */
    protected abstract void deviceWritesThrough(DmaMapping mapping);

    /** The CPU's view after {@link #deviceWritesThrough}: what the device wrote is there. */
    protected abstract void assertDeviceWrote(DmaMapping mapping);

    /** A device access to {@code iova}, which no mapping covers, is reported (fault or DMAR log). */
    protected abstract void deviceAccessOutsideMappingsIsReported(Iova iova);

    /** Memory this space maps: what {@link DmaSpace#allocate} gives (hugepages on no-IOMMU). */
    protected DmaBuffer buffer(long bytes) {
        return space.allocate(bytes);
    }

    /** What {@link DmaSpace#allocate} must return on this backend: RAM the IOMMU pins, not mlocked. */
    protected void assertAllocatedForThisBackend(DmaBuffer b) {
        assertEquals(MemoryKind.RAM, b.kind());
        assertEquals(DmaBuffer.Pinning.IOMMU, b.pinning(), "an IOMMU pins what it maps: no mlock, no double charge");
    }

    /** VmLck of this process in kB: what RLIMIT_MEMLOCK is charged with (mlock and type1 pins). */
    protected static long lockedKb() {
        try {
            return Long.parseLong(java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("VmLck:"))
                    .findFirst()
                    .orElseThrow()
                    .replaceAll("\\D", ""));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @BeforeEach
    void openSpace() {
        space = open();
    }

    @AfterEach
    void closeSpace() {
        if (space != null) {
            space.close();
        }
    }

    @Test
    void reportsRangesAndPageSizes() {
        List<IovaRange> ranges = space.iovaRanges();
        assertFalse(ranges.isEmpty(), "at least one valid IOVA range");
        assertTrue(space.pageSizes().contains(PageSize.SIZE_4K));
        assertEquals(space.backend(), Backend.parse(space.backend().id()), "the backend's name parses back");
    }

    @SuppressWarnings("try") // closes the mapping inside its try on purpose, twice
    @Test
    void mapsABufferAtAnAlignedValidIova() {
        try (DmaBuffer b = buffer(3 * 4096);
                DmaMapping m = space.map(b, 0, 3 * 4096, DmaDirection.BIDIRECTIONAL, null)) {
            assertTrue(m.isLive());
            assertEquals(3 * 4096, m.length());
            assertEquals(0, m.iova().value() % 4096, "page aligned: " + m.iova());
            assertTrue(
                    space.iovaRanges().stream().anyMatch(r -> r.contains(m.iova(), m.length())),
                    m + " in " + space.iovaRanges());
            assertEquals(List.of(m), space.mappings());
            assertEquals(m.iova().plus(4096), m.iova(4096));
            m.close();
            assertFalse(m.isLive());
            assertTrue(space.mappings().isEmpty());
            m.close(); // closing twice is harmless
        }
    }

    @Test
    void distinctMappingsGetDistinctIovasAndFreedOnesAreReused() {
        try (DmaBuffer a = buffer(4096);
                DmaBuffer b = buffer(4096);
                DmaMapping mb = space.map(b, DmaDirection.FROM_DEVICE)) {
            DmaMapping ma = space.map(a, DmaDirection.TO_DEVICE);
            assertNotEquals(ma.iova(), mb.iova());
            Iova old = ma.iova();
            space.unmap(ma);
            try (DmaMapping again = space.map(a, DmaDirection.TO_DEVICE)) {
                if (choosesIovas()) {
                    assertEquals(old, again.iova(), "the freed IOVA is reused");
                }
            }
        }
    }

    @Test
    void mapsAtAFixedIovaAndRefusesAnOverlap() {
        org.junit.jupiter.api.Assumptions.assumeTrue(choosesIovas(), "no-IOMMU: the IOVA is the physical address");
        Iova fixed = Iova.of(0x4000_0000L);
        try (DmaBuffer a = buffer(2 * 4096);
                DmaBuffer b = buffer(4096);
                DmaMapping m = space.mapAt(a, fixed, DmaDirection.BIDIRECTIONAL)) {
            assertEquals(fixed, m.iova());
            var e = assertThrows(
                    DmaMapException.IovaConflict.class, () -> space.mapAt(b, fixed.plus(4096), DmaDirection.TO_DEVICE));
            assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
            assertThrows(
                    DmaMapException.InvalidRequest.class,
                    () -> space.mapAt(b, Iova.of(0x4000_0800L), DmaDirection.TO_DEVICE),
                    "an unaligned IOVA");
        }
    }

    @Test
    void refusesBadRequestsWithTypedErrors() {
        try (DmaBuffer b = buffer(2 * 4096)) {
            var zero = assertThrows(
                    DmaMapException.InvalidRequest.class, () -> space.map(b, 0, 0, DmaDirection.TO_DEVICE, null));
            assertTrue(zero.getMessage().contains("length must be positive"), zero.getMessage());
            var unaligned = assertThrows(
                    DmaMapException.InvalidRequest.class, () -> space.map(b, 100, 4096, DmaDirection.TO_DEVICE, null));
            assertTrue(unaligned.getMessage().contains("4 KiB aligned"), unaligned.getMessage());
            assertThrows(
                    DmaMapException.InvalidRequest.class,
                    () -> space.map(b, 4096, b.byteSize(), DmaDirection.TO_DEVICE, null),
                    "past the buffer's end");
            var mmioAttr = assertThrows(
                    DmaMapException.InvalidRequest.class, () -> space.map(b, DmaDirection.TO_DEVICE, DmaAttr.MMIO));
            assertTrue(mmioAttr.getMessage().contains("for device MMIO only"), mmioAttr.getMessage());
        }
        DmaBuffer closed = DmaBuffer.allocate(4096);
        closed.close();
        assertThrows(AlreadyClosedException.class, () -> space.map(closed, DmaDirection.TO_DEVICE));
    }

    @Test
    void mmioNeedsTheMmioAttribute() {
        try (DmaBuffer ram = DmaBuffer.allocate(4096)) {
            DmaBuffer bar = DmaBuffer.ofMmio(ram.segment(), "a stand-in BAR");
            assertEquals(MemoryKind.MMIO, bar.kind());
            var e = assertThrows(
                    DmaMapException.InvalidRequest.class, () -> space.map(bar, DmaDirection.BIDIRECTIONAL));
            assertTrue(e.getMessage().contains("is device MMIO; map it with DmaAttr.MMIO"), e.getMessage());
        }
    }

    @Test
    void unmapByIovaMustNameOneLiveMapping() {
        try (DmaBuffer b = buffer(2 * 4096)) {
            DmaMapping m = space.map(b, 0, 2 * 4096, DmaDirection.BIDIRECTIONAL, null);
            assertWrongUnmapRefused(() -> space.unmap(m.iova(), 4096));
            assertTrue(m.isLive(), "a refused unmap leaves the mapping alone");
            space.unmap(m.iova(), 2 * 4096);
            assertFalse(m.isLive());
            assertWrongUnmapRefused(() -> space.unmap(m));
        }
    }

    /** Real backends refuse a wrong unmap with InvalidRequest; the fake (THROW mode) raises its DMA-debug fault. */
    protected void assertWrongUnmapRefused(Runnable unmap) {
        assertThrows(DmaMapException.InvalidRequest.class, unmap::run);
    }

    @Test
    void closingTheBufferUndoesItsMappings() {
        DmaBuffer b = buffer(4096);
        DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL);
        closeBufferWhileMapped(b);
        assertFalse(m.isLive());
        assertTrue(space.mappings().isEmpty());
    }

    /** Closes a buffer that is still mapped; the fake reports that as a fault. */
    protected void closeBufferWhileMapped(DmaBuffer b) {
        b.close();
    }

    @Test
    void unmapAllAndCloseUndoEverything() {
        try (DmaBuffer a = buffer(4096);
                DmaBuffer b = buffer(4096)) {
            DmaMapping ma = space.map(a, DmaDirection.BIDIRECTIONAL);
            DmaMapping mb = space.map(b, DmaDirection.BIDIRECTIONAL);
            space.unmapAll();
            assertFalse(ma.isLive() || mb.isLive());
            assertTrue(space.mappings().isEmpty());
            DmaMapping leak = space.map(a, DmaDirection.BIDIRECTIONAL);
            closeWithLiveMappings(space);
            assertFalse(leak.isLive(), "close unmapped it");
            assertTrue(space.mappings().isEmpty());
            space.close(); // closing twice is harmless
            assertThrows(AlreadyClosedException.class, () -> space.map(a, DmaDirection.BIDIRECTIONAL));
            space = null;
        }
    }

    /** Closes a space with a mapping still live; the fake reports it as a leak. */
    protected void closeWithLiveMappings(DmaSpace s) {
        s.close();
    }

    @Test
    void theDeviceWritesThroughAMapping() {
        try (DmaBuffer b = buffer(4096)) {
            b.segment().fill((byte) 0x5a);
            try (DmaMapping m = space.map(b, 0, 4096, DmaDirection.BIDIRECTIONAL, null)) {
                deviceWritesThrough(m);
                assertDeviceWrote(m);
            }
            assertNotEquals((byte) 0x5a, b.segment().get(ValueLayout.JAVA_BYTE, 0), "the CPU sees the device's bytes");
        }
    }

    @Test
    void allocateGivesMemoryThisSpaceMapsWithoutLockingIt() {
        long before = lockedKb();
        try (DmaBuffer b = space.allocate(5000)) {
            assertTrue(b.byteSize() >= 5000 && b.byteSize() % 4096 == 0, b.toString());
            assertAllocatedForThisBackend(b);
            assertEquals(before, lockedKb(), "allocate locks nothing (VmLck): " + b);
            assertEquals(0, b.segment().get(ValueLayout.JAVA_BYTE, 4999), "zero-filled");
            try (DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
                assertEquals(b.byteSize(), m.length());
            }
        }
        var e = assertThrows(IllegalArgumentException.class, () -> space.allocate(0));
        assertEquals("a DMA buffer needs a positive size, not 0", e.getMessage());
    }

    /**
     * One memory mapped twice: behind an IOMMU two IOVAs, both live and each unmapped by its own
     * (iova, length); without one (IOVA = physical address) refused, the first mapping intact.
     */
    @Test
    void oneMemoryMappedTwice() {
        try (DmaBuffer b = buffer(4096)) {
            DmaMapping first = space.map(b, 0, 4096, DmaDirection.TO_DEVICE, null);
            if (choosesIovas()) {
                DmaMapping second = space.map(b, 0, 4096, DmaDirection.FROM_DEVICE, null);
                assertNotEquals(first.iova(), second.iova());
                assertEquals(2, space.mappings().size());
                space.unmap(second.iova(), 4096);
                assertFalse(second.isLive());
            } else {
                var e = assertThrows(
                        DmaMapException.IovaConflict.class,
                        () -> space.map(b, 0, 4096, DmaDirection.FROM_DEVICE, null));
                assertTrue(e.getMessage().contains("overlaps " + first), e.getMessage());
                assertEquals(List.of(first), space.mappings(), "the first mapping is still the one recorded");
            }
            assertTrue(first.isLive());
            space.unmap(first.iova(), 4096);
            assertFalse(first.isLive());
            assertTrue(space.mappings().isEmpty());
        }
    }

    @Test
    void aDeviceAccessOutsideEveryMappingIsReported() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                choosesIovas(), "no-IOMMU: nothing stands between device and memory");
        try (DmaBuffer b = buffer(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            deviceAccessOutsideMappingsIsReported(m.iova().plus(64L << 20));
        }
    }
}
