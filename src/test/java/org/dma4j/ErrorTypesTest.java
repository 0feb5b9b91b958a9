package org.dma4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.NvmeController;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.junit.jupiter.api.Test;

/**
 * The README's promise, through the public API: what used to escape as a JDK exception
 * (IndexOutOfBounds, IllegalState, Arithmetic) is a typed {@link Dma4jException} naming the
 * thing. {@code ErrorRulesTest} keeps every other throw site in line.
 */
class ErrorTypesTest {
    @Test
    void anIovaThatWouldWrapIsOutOfRange() {
        var e = assertThrows(OutOfRangeException.class, () -> Iova.of(-4096).plus(8192));
        assertEquals("IOVA 0xfffffffffffff000 + 8192 wraps past 2^64", e.getMessage());
    }

    @Test
    void anOffsetPastAMappingIsOutOfRange() {
        try (FakeDmaSpace space = FakeDmaSpace.open();
                DmaBuffer b = space.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.TO_DEVICE)) {
            var e = assertThrows(OutOfRangeException.class, () -> m.iova(4096));
            assertEquals("offset 4096 outside a mapping of 4096 bytes", e.getMessage());
        }
    }

    @Test
    void finishingACommandBeforeItCompletedIsAStateError() {
        try (FakeDmaSpace space = FakeDmaSpace.open();
                PciDevice dev = FakeNvme.device(
                        PciAddress.parse("0000:00:04.0"), space, new FakeNvme(FakeNvme.Config.defaults()));
                NvmeController ctrl = NvmeController.open(dev);
                IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = space.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.FROM_DEVICE)) {
            int cid = q.submitRead(ctrl.namespace(1), 0, 1, m, 0);
            var e = assertThrows(StateException.class, () -> q.finish(cid));
            assertTrue(e.getMessage().endsWith("has not completed; poll first"), e.getMessage());
            while (!q.isDone(cid)) {
                q.poll();
            }
            q.finish(cid);
        }
    }

    @Test
    void useAfterCloseIsAStateError() {
        assertTrue(Dma4jException.class.isAssignableFrom(StateException.class));
        assertTrue(StateException.class.isAssignableFrom(AlreadyClosedException.class));
        FakeDmaSpace space = FakeDmaSpace.open();
        space.close();
        assertThrows(AlreadyClosedException.class, () -> space.allocate(4096));
    }
}
