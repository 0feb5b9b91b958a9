package org.dma4j.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.Iova;
import org.dma4j.PageSize;
import org.dma4j.fake.DmaDebugFault.Kind;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapException;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.IovaRange;
import org.dma4j.mem.DmaBuffer;
import org.junit.jupiter.api.Test;

/** Every DMA-API debug check of the fake IOMMU, provoked; and the limits it enforces. */
class FakeDmaSpaceTest {
    private static DmaDebugFault fault(Kind kind, org.junit.jupiter.api.function.Executable bug) {
        DmaDebugFault f = assertThrows(DmaDebugFault.class, bug);
        assertEquals(kind, f.kind(), f.getMessage());
        return f;
    }

    @Test
    void deviceAccessChecks() {
        try (DmaBuffer in = DmaBuffer.allocate(4096);
                DmaBuffer out = DmaBuffer.allocate(4096);
                Arena a = Arena.ofConfined();
                FakeDmaSpace s = FakeDmaSpace.open();
                DmaMapping fromDevice = s.map(out, DmaDirection.FROM_DEVICE)) {
            DmaMapping toDevice = s.map(in, DmaDirection.TO_DEVICE);
            MemorySegment eight = a.allocate(8);
            assertTrue(s.deviceRead(toDevice.iova(), eight), "reading a TO_DEVICE mapping is fine");
            assertTrue(
                    s.deviceWrite(fromDevice.iova(4088), eight), "so is writing the last bytes of a FROM_DEVICE one");

            var w = fault(Kind.WRITE_TO_READ_ONLY, () -> s.deviceWrite(toDevice.iova(), eight));
            assertTrue(w.getMessage().contains("into a TO_DEVICE mapping at " + toDevice.iova()), w.getMessage());
            fault(Kind.READ_FROM_WRITE_ONLY, () -> s.deviceRead(fromDevice.iova(), eight));
            var oob = fault(Kind.OUT_OF_BOUNDS, () -> s.deviceRead(toDevice.iova(4092), eight));
            assertTrue(oob.getMessage().contains("runs 4 bytes past the mapping"), oob.getMessage());
            var un = fault(Kind.UNMAPPED_ACCESS, () -> s.deviceRead(Iova.of(0x1000), eight));
            assertTrue(
                    un.getMessage().contains("device read of 8 bytes at IOVA 0x1000: no mapping covers it"),
                    un.getMessage());
            Iova gone = toDevice.iova();
            toDevice.close();
            fault(Kind.UNMAPPED_ACCESS, () -> s.deviceRead(gone, eight)); // use after unmap
            assertEquals(5, s.faults().size(), "every fault is also on the record");
        }
    }

    /**
     * Issue 12: translations are cached per IOVA page so that a device's accesses allocate
     * nothing; an unmap must drop them, else a device would still reach unmapped memory.
     */
    @Test
    void aDeviceAccessAfterUnmapFaultsThoughTheMappingWasJustTranslated() {
        try (DmaBuffer b = DmaBuffer.allocate(8192);
                FakeDmaSpace s = FakeDmaSpace.open()) {
            DmaMapping m = s.map(b, DmaDirection.BIDIRECTIONAL);
            MemorySegment word = Arena.ofAuto().allocate(8);
            assertTrue(s.deviceRead(m.iova().plus(4096), word));
            assertTrue(s.deviceWrite(m.iova().value() + 8, word, 0, 8));
            Iova gone = m.iova();
            s.unmap(m);
            assertEquals(
                    Kind.UNMAPPED_ACCESS,
                    assertThrows(DmaDebugFault.class, () -> s.deviceRead(gone.plus(4096), word))
                            .kind());
            assertEquals(
                    Kind.UNMAPPED_ACCESS,
                    assertThrows(DmaDebugFault.class, () -> s.deviceWrite(gone.value() + 8, word, 0, 8))
                            .kind());
            DmaMapping again = s.map(b, 0, 4096, DmaDirection.TO_DEVICE, null); // a read-only mapping at the same IOVA
            assertEquals(gone, again.iova());
            assertEquals(
                    Kind.WRITE_TO_READ_ONLY,
                    assertThrows(DmaDebugFault.class, () -> s.deviceWrite(gone.value() + 8, word, 0, 8))
                            .kind());
            s.unmap(again);
        }
    }

    @Test
    void unmapChecks() {
        try (DmaBuffer b = DmaBuffer.allocate(8192);
                FakeDmaSpace s = FakeDmaSpace.open()) {
            DmaMapping m = s.map(b, DmaDirection.BIDIRECTIONAL);
            var size = fault(Kind.BAD_UNMAP, () -> s.unmap(m.iova(), 4096));
            assertTrue(
                    size.getMessage().contains("but DmaMapping[")
                            && size.getMessage().contains("is 8192 bytes"),
                    size.getMessage());
            fault(Kind.BAD_UNMAP, () -> s.unmap(m.iova().plus(4096), 4096));
            s.unmap(m);
            fault(Kind.DOUBLE_UNMAP, () -> s.unmap(m));
            fault(Kind.BAD_UNMAP, () -> s.unmap(m.iova(), 8192));
        }
    }

    @Test
    void recordModeDropsTheAccessAndKeepsGoing() {
        FakeDmaSpace s = FakeDmaSpace.open(FakeDmaSpace.Config.defaults().withMode(FakeDmaSpace.Mode.RECORD));
        DmaBuffer b = DmaBuffer.allocate(4096);
        try (Arena a = Arena.ofConfined()) {
            DmaMapping m = s.map(b, DmaDirection.TO_DEVICE);
            MemorySegment data = a.allocate(8).fill((byte) 1);
            assertFalse(s.deviceWrite(m.iova(), data));
            assertEquals(0, b.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0), "the write was dropped");
            assertNull(s.translate(Iova.of(0x10_0000_0000L), 8, false));
            s.unmap(m);
            s.unmap(m);
            DmaMapping again = s.map(b, DmaDirection.TO_DEVICE);
            b.close(); // closed while mapped: recorded, unmapped
            assertFalse(again.isLive());
            DmaBuffer leaked = DmaBuffer.allocate(4096);
            s.map(leaked, DmaDirection.TO_DEVICE);
            s.close();
            leaked.close();
        }
        List<Kind> kinds = s.faults().stream().map(DmaDebugFault::kind).toList();
        assertEquals(
                List.of(
                        Kind.WRITE_TO_READ_ONLY,
                        Kind.UNMAPPED_ACCESS,
                        Kind.DOUBLE_UNMAP,
                        Kind.BUFFER_CLOSED_WHILE_MAPPED,
                        Kind.LEAK),
                kinds);
        assertTrue(
                s.faults().get(4).getMessage().contains("FakeDmaSpaceTest.recordModeDropsTheAccessAndKeepsGoing"),
                "the leak names where it was mapped: " + s.faults().get(4).getMessage());
    }

    @Test
    void enforcesTheMappingLimitLikeType1() {
        try (DmaBuffer b = DmaBuffer.allocate(4 * 4096);
                FakeDmaSpace s =
                        FakeDmaSpace.open(FakeDmaSpace.Config.defaults().withEntryLimit(3))) {
            List<DmaMapping> ms = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ms.add(s.map(b, i * 4096L, 4096, DmaDirection.TO_DEVICE, null));
            }
            var e = assertThrows(
                    DmaMapException.IovaExhausted.class, () -> s.map(b, 3 * 4096L, 4096, DmaDirection.TO_DEVICE, null));
            assertTrue(e.getMessage().contains("mapping limit of 3"), e.getMessage());
            ms.get(0).close();
            ms.add(s.map(b, 3 * 4096L, 4096, DmaDirection.TO_DEVICE, null));
            s.unmapAll();
        }
    }

    @Test
    void defaultLimitIsType1s65535() {
        assertEquals(65535, FakeDmaSpace.Config.defaults().entryLimit());
    }

    @SuppressWarnings("try") // the mapping m is held for its scope
    @Test
    void exhaustedIovaSpaceIsTyped() {
        try (DmaBuffer b = DmaBuffer.allocate(3 * 4096);
                FakeDmaSpace s = FakeDmaSpace.open(
                        FakeDmaSpace.Config.defaults().withRanges(IovaRange.of(0, (1 << 20) + 8191)));
                DmaMapping m = s.map(b, 0, 8192, DmaDirection.TO_DEVICE, null)) {
            var e = assertThrows(
                    DmaMapException.IovaExhausted.class, () -> s.map(b, 8192, 4096, DmaDirection.TO_DEVICE, null));
            assertTrue(e.getMessage().startsWith("no free IOVA range of 4096 bytes"), e.getMessage());
        }
    }

    @Test
    void fixedIovaOutsideTheReportedRangesIsRefused() {
        try (DmaBuffer b = DmaBuffer.allocate(4096);
                FakeDmaSpace s = FakeDmaSpace.open()) {
            var e = assertThrows(
                    DmaMapException.InvalidRequest.class,
                    () -> s.mapAt(b, Iova.of(0xfee0_0000L), DmaDirection.TO_DEVICE));
            assertTrue(e.getMessage().contains("outside the valid IOVA ranges"), e.getMessage());
        }
    }

    @SuppressWarnings("try") // the hugepage reservation h is held for its scope
    @Test
    void hugepageBuffersGetHugepageAlignedIovas() {
        try (org.dma4j.mem.Hugepages h = org.dma4j.mem.Hugepages.reserve(1);
                DmaBuffer b = DmaBuffer.allocate(2 << 20, PageSize.SIZE_2M);
                FakeDmaSpace s = FakeDmaSpace.open();
                DmaMapping m = s.map(b, DmaDirection.TO_DEVICE)) {
            assertEquals(0, m.iova().value() % (2 << 20), "2 MiB aligned: " + m.iova());
        }
    }
}
