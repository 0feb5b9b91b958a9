package org.dma4j.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.dma4j.AlreadyClosedException;
import org.dma4j.OutOfRangeException;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.Bar;
import org.dma4j.pci.Interrupts;
import org.dma4j.pci.IrqType;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.PciSetupException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FakePciDeviceTest {
    private final FakeDmaSpace space = FakeDmaSpace.open();
    private final ScratchModel model = new ScratchModel();
    private final FakePciDevice dev =
            new FakePciDevice(PciAddress.parse("0000:00:04.0"), space, model, 0x1b36, 0x0010, 0x010802, 4);

    @AfterEach
    void close() {
        dev.close();
        space.close();
    }

    @Test
    void configSpaceHasIdsClassCommandAndMsixCapability() {
        assertEquals(0x1b36, dev.configRead(0x00, 2));
        assertEquals(0x0010, dev.configRead(0x02, 2));
        assertEquals(0x010802, dev.configRead(0x08, 4) >>> 8);
        int cap = dev.configRead(0x34, 1);
        assertEquals(0x11, dev.configRead(cap, 1), "MSI-X capability id");
        assertEquals(3, dev.configRead(cap + 2, 2) & 0x7ff, "table size is N-1");
        dev.configWrite(0x00, 2, 0xffff);
        assertEquals(0x1b36, dev.configRead(0x00, 2), "IDs are read-only");
        dev.setBusMaster(true);
        assertEquals(PciDevice.COMMAND_MEMORY | PciDevice.COMMAND_MASTER, dev.configRead(PciDevice.COMMAND, 2));
        dev.setBusMaster(false);
        assertEquals(PciDevice.COMMAND_MEMORY, dev.configRead(PciDevice.COMMAND, 2));
        var out = assertThrows(OutOfRangeException.class, () -> dev.configRead(4094, 4));
        assertTrue(out.getMessage().contains("config offset 0xffe (4 bytes) of 0000:00:04.0"), out.getMessage());
        assertThrows(OutOfRangeException.class, () -> dev.configRead(0x02, 4), "unaligned");
        assertThrows(IllegalArgumentException.class, () -> dev.configRead(0, 3));
    }

    @Test
    void barAccessIsBoundsAndAlignmentChecked() {
        Bar bar = dev.bar(0);
        assertEquals(16384, bar.size());
        assertEquals(ScratchModel.ID, bar.read32(0));
        bar.write64(0x08, 0x1122_3344_5566_7788L);
        assertEquals(0x1122_3344_5566_7788L, bar.read64(0x08));
        var out = assertThrows(OutOfRangeException.class, () -> bar.read32(16382));
        assertEquals("offset 0x3ffe (4 bytes) is outside BAR0 of 0x4000 bytes", out.getMessage());
        var unaligned = assertThrows(OutOfRangeException.class, () -> bar.write32(0x0a, 1));
        assertTrue(unaligned.getMessage().contains("not aligned for a 4-byte access"), unaligned.getMessage());
        assertThrows(OutOfRangeException.class, () -> bar.read8(-1));
        assertThrows(OutOfRangeException.class, () -> dev.bar(6));
        var absent = assertThrows(PciSetupException.class, () -> dev.bar(2));
        assertEquals("0000:00:04.0 has no BAR2", absent.getMessage());
    }

    @Test
    void theModelDmasThroughTheIommuAndRaisesAnMsixVector() {
        try (DmaBuffer b = DmaBuffer.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL);
                Interrupts irq = dev.enableInterrupts(IrqType.MSIX, 2)) {
            Bar bar = dev.bar(0);
            bar.write64(0x10, m.iova().value());
            bar.write64(0x18, 256);
            var off = assertThrows(DmaDebugFault.class, () -> bar.write32(0x20, 1));
            assertEquals(DmaDebugFault.Kind.BUS_MASTER_DISABLED, off.kind(), "no DMA before bus mastering is on");
            assertEquals(0, irq.poll(0));

            dev.setBusMaster(true);
            bar.write32(0x20, 1);
            assertEquals(1, irq.await(0, Duration.ofSeconds(5)), "vector 0 fired once");
            assertEquals(0, irq.poll(0), "and was consumed");
            assertEquals((byte) 0xab, b.segment().get(ValueLayout.JAVA_BYTE, 255));
            assertEquals(0, b.segment().get(ValueLayout.JAVA_BYTE, 256), "exactly 256 bytes");
            assertEquals(0, irq.await(1, Duration.ofMillis(20)), "vector 1 did not fire: a timeout, not a hang");
            bar.write32(0x20, 2);
            assertEquals(256 * 0xab, bar.read64(0x28), "the model read the bytes back by DMA");
            assertThrows(OutOfRangeException.class, () -> irq.poll(2));
        }
        assertThrows(PciSetupException.class, () -> dev.enableInterrupts(IrqType.MSIX, 5), "only 4 offered");
        assertThrows(PciSetupException.class, () -> dev.enableInterrupts(IrqType.INTX, 1));
    }

    @Test
    void aModelDmaOutsideMappingsIsCaughtByTheIommu() {
        dev.setBusMaster(true);
        Bar bar = dev.bar(0);
        bar.write64(0x10, 0x7000_0000L);
        bar.write64(0x18, 64);
        var f = assertThrows(DmaDebugFault.class, () -> bar.write32(0x20, 1));
        assertEquals(DmaDebugFault.Kind.UNMAPPED_ACCESS, f.kind());
    }

    @Test
    void resetClearsTheModelAndKeepsConfigSpaceAsVfioDoes() {
        dev.setBusMaster(true);
        dev.bar(0).write64(0x08, 42);
        dev.reset();
        assertEquals(0, dev.bar(0).read64(0x08));
        assertEquals(
                PciDevice.COMMAND_MEMORY | PciDevice.COMMAND_MASTER,
                dev.configRead(PciDevice.COMMAND, 2),
                "the kernel restores config space around a VFIO reset; the fake does the same");
    }

    @Test
    void closeUndoesEverything() {
        Interrupts irq = dev.enableInterrupts(IrqType.MSIX, 1);
        Bar bar = dev.bar(0);
        dev.setBusMaster(true);
        dev.close();
        dev.close();
        assertThrows(AlreadyClosedException.class, () -> bar.read32(0));
        assertThrows(AlreadyClosedException.class, () -> irq.poll(0), "interrupts are disabled with the device");
        assertThrows(AlreadyClosedException.class, () -> dev.configRead(0, 2));
        assertThrows(AlreadyClosedException.class, () -> dev.bar(0));
    }
}
