package org.dma4j.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.dma4j.Iova;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.iommu.DmaSpaceContract;
import org.dma4j.mem.DmaBuffer;

/** The DmaSpace contract on the fake IOMMU; its device side is the fake's own device-access API. */
class FakeDmaSpaceContractTest extends DmaSpaceContract {
    private FakeDmaSpace fake() {
        return (FakeDmaSpace) space;
    }

    @Override
    protected DmaSpace open() {
        return FakeDmaSpace.open();
    }

    @Override
    protected void deviceWritesThrough(DmaMapping mapping) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(64);
            data.fill((byte) 0xa5);
            assertTrue(fake().deviceWrite(mapping.iova(), data));
        }
    }

    @Override
    protected void assertDeviceWrote(DmaMapping mapping) {
        assertEquals((byte) 0xa5, mapping.memory().get(ValueLayout.JAVA_BYTE, 63));
        assertEquals((byte) 0x5a, mapping.memory().get(ValueLayout.JAVA_BYTE, 64), "only 64 bytes were written");
    }

    @Override
    protected void deviceAccessOutsideMappingsIsReported(Iova iova) {
        var f = assertThrows(DmaDebugFault.class, () -> fake().translate(iova, 8, false));
        assertEquals(DmaDebugFault.Kind.UNMAPPED_ACCESS, f.kind());
    }

    @Override
    protected void assertWrongUnmapRefused(Runnable unmap) {
        var f = assertThrows(DmaDebugFault.class, unmap::run);
        assertTrue(
                f.kind() == DmaDebugFault.Kind.BAD_UNMAP || f.kind() == DmaDebugFault.Kind.DOUBLE_UNMAP,
                f.getMessage());
    }

    @Override
    protected void closeBufferWhileMapped(DmaBuffer b) {
        var f = assertThrows(DmaDebugFault.class, b::close);
        assertEquals(DmaDebugFault.Kind.BUFFER_CLOSED_WHILE_MAPPED, f.kind());
        assertTrue(!b.isOpen(), "the buffer closed all the same");
    }

    @Override
    protected void closeWithLiveMappings(DmaSpace s) {
        var f = assertThrows(DmaDebugFault.class, s::close);
        assertEquals(DmaDebugFault.Kind.LEAK, f.kind());
        assertTrue(
                f.getMessage().contains("DmaSpaceContract.unmapAllAndCloseUndoEverything"),
                "names where it was mapped: " + f.getMessage());
    }
}
