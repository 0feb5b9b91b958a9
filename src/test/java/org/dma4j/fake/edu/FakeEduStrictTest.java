package org.dma4j.fake.edu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import org.dma4j.Iova;
import org.dma4j.edu.EduDevice;
import org.dma4j.edu.EduRegs;
import org.dma4j.fake.DmaDebugFault;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaMask;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.Bar;
import org.dma4j.pci.Interrupts;
import org.dma4j.pci.IrqType;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fake edu fails where QEMU's does: each driver bug QEMU punishes (a stopped machine, a
 * clamped address, a dropped write) is a reported {@link DmaDebugFault}, written here the way
 * a buggy driver would write the registers.
 */
class FakeEduStrictTest {
    private FakeDmaSpace space;
    private FakePciDevice dev;
    private Bar bar;

    private void open(FakeDmaSpace.Mode mode, FakeEdu.Config config) {
        space = FakeDmaSpace.open(FakeDmaSpace.Config.defaults().withMode(mode));
        dev = FakeEdu.device(PciAddress.parse("0000:00:08.0"), space, new FakeEdu(config));
        dev.setBusMaster(true);
        bar = dev.bar(0);
    }

    @AfterEach
    void close() {
        dev.close();
        space.unmapAll();
        space.close();
    }

    private static void waitIdle(Bar bar) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while ((bar.read64(EduRegs.DMA_CMD) & EduRegs.CMD_START) != 0) {
            assertTrue(System.nanoTime() < deadline, "DMA did not finish");
            Thread.onSpinWait();
        }
    }

    @Test
    void identityAndConfigSpaceAreQemus() {
        open(FakeDmaSpace.Mode.THROW, FakeEdu.Config.defaults());
        assertEquals(EduRegs.VENDOR, dev.configRead(0, 2));
        assertEquals(EduRegs.DEVICE, dev.configRead(2, 2));
        assertEquals(EduRegs.REVISION, dev.configRead(8, 1));
        assertEquals(1, dev.interruptCount(IrqType.MSI));
        assertEquals(1, dev.interruptCount(IrqType.INTX));
        assertEquals(0, dev.interruptCount(IrqType.MSIX), "edu has no MSI-X");
        assertEquals(1, dev.configRead(0x3d, 1), "INTA#");
        assertEquals(0x010000ed, bar.read32(EduRegs.ID));
        assertEquals(-1, bar.read32(0x10), "no register there reads all ones");
    }

    @Test
    void aDmaOutsideTheBufferIsReportedNotACrash() {
        open(FakeDmaSpace.Mode.THROW, FakeEdu.Config.defaults());
        try (DmaBuffer b = space.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            bar.write64(EduRegs.DMA_SRC, m.iova().value());
            bar.write64(EduRegs.DMA_DST, EduRegs.BUFFER + 4000);
            bar.write64(EduRegs.DMA_COUNT, 200);
            var f = assertThrows(DmaDebugFault.class, () -> bar.write32(EduRegs.DMA_CMD, EduRegs.CMD_START));
            assertEquals(DmaDebugFault.Kind.DEVICE_MISUSE, f.kind());
            assertTrue(
                    f.getMessage().contains("outside edu's buffer 0x40000-0x40fff (or empty, or reaches its last byte"),
                    f.getMessage());
            waitIdle(bar); // the transfer ends, having done nothing
            bar.write64(EduRegs.DMA_DST, EduRegs.BUFFER);
            bar.write64(EduRegs.DMA_COUNT, 4096);
            assertEquals(
                    DmaDebugFault.Kind.DEVICE_MISUSE,
                    assertThrows(DmaDebugFault.class, () -> bar.write32(EduRegs.DMA_CMD, EduRegs.CMD_START))
                            .kind(),
                    "QEMU 7.2 refuses a transfer that reaches the buffer's last byte");
            waitIdle(bar);
            bar.write64(EduRegs.DMA_COUNT, 0);
            bar.write64(EduRegs.DMA_DST, EduRegs.BUFFER);
            assertEquals(
                    DmaDebugFault.Kind.DEVICE_MISUSE,
                    assertThrows(DmaDebugFault.class, () -> bar.write32(EduRegs.DMA_CMD, EduRegs.CMD_START))
                            .kind(),
                    "an empty transfer is fatal in QEMU 7.2 too");
            waitIdle(bar);
        }
    }

    @Test
    void anAddressAboveTheDeviceMaskIsReported() {
        open(FakeDmaSpace.Mode.THROW, FakeEdu.Config.defaults()); // 28 bits
        // A driver that believes the device drives 32 bits: dma4j maps where it is told.
        try (EduDevice edu = EduDevice.open(dev, EduDevice.Options.defaults().with(DmaMask.bits(32)));
                DmaBuffer b = space.allocate(4096);
                DmaMapping high = space.mapAt(b, Iova.of(0x1000_0000L), DmaDirection.BIDIRECTIONAL)) {
            var f = assertThrows(DmaDebugFault.class, () -> edu.toDevice(high, 0, 0, 64));
            assertEquals(DmaDebugFault.Kind.ABOVE_DMA_MASK, f.kind());
            assertTrue(
                    f.getMessage()
                            .contains("host address 0x10000000 above the device's DMA mask 0xfffffff: edu clamps it"
                                    + " to 0x0"),
                    f.getMessage());
        }
    }

    @Test
    void writesWhileBusyAreReportedAsQemuDropsThem() {
        open(
                FakeDmaSpace.Mode.THROW,
                FakeEdu.Config.defaults().withLatency(Duration.ofSeconds(1), Duration.ofSeconds(1)));
        try (DmaBuffer b = space.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            bar.write64(EduRegs.DMA_SRC, m.iova().value());
            bar.write64(EduRegs.DMA_DST, EduRegs.BUFFER);
            bar.write64(EduRegs.DMA_COUNT, 16);
            bar.write32(EduRegs.DMA_CMD, EduRegs.CMD_START);
            assertEquals(
                    DmaDebugFault.Kind.DEVICE_MISUSE,
                    assertThrows(DmaDebugFault.class, () -> bar.write64(EduRegs.DMA_SRC, 0))
                            .kind());
            assertEquals(
                    DmaDebugFault.Kind.DEVICE_MISUSE,
                    assertThrows(DmaDebugFault.class, () -> bar.write32(EduRegs.DMA_CMD, EduRegs.CMD_START))
                            .kind());
            bar.write32(EduRegs.FACTORIAL, 5);
            var f = assertThrows(DmaDebugFault.class, () -> bar.write32(EduRegs.FACTORIAL, 6));
            assertTrue(f.getMessage().contains("written while the last one still computes"), f.getMessage());
            assertEquals(5, bar.read32(EduRegs.FACTORIAL), "read before it is done: the input, as QEMU");
            waitIdle(bar);
        }
    }

    @Test
    void registerWidthsAreQemus() {
        open(FakeDmaSpace.Mode.RECORD, FakeEdu.Config.defaults());
        assertEquals(0xffff, bar.read16(EduRegs.ID), "a 2-byte read below 0x80 reads all ones");
        bar.write64(EduRegs.DMA_SRC, 0x1234_5678_9000L);
        assertEquals(0x1234_5678_9000L, bar.read64(EduRegs.DMA_SRC));
        bar.write32(EduRegs.DMA_SRC, 0x4000);
        assertEquals(0x4000, bar.read64(EduRegs.DMA_SRC), "a 4-byte write sets the register zero-extended");
        assertEquals(1, space.faults().size());
        assertEquals(DmaDebugFault.Kind.DEVICE_MISUSE, space.faults().get(0).kind());
    }

    @Test
    void theTransferLandsOnlyWhenTheDeviceSaysItIsDone() {
        open(FakeDmaSpace.Mode.THROW, FakeEdu.Config.defaults().withLatency(Duration.ofMillis(300), Duration.ZERO));
        try (DmaBuffer b = space.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            bar.write64(EduRegs.DMA_SRC, EduRegs.BUFFER);
            bar.write64(EduRegs.DMA_DST, m.iova().value());
            bar.write64(EduRegs.DMA_COUNT, 4095);
            m.memory().fill((byte) 0x77);
            bar.write32(EduRegs.DMA_CMD, EduRegs.CMD_START | EduRegs.CMD_TO_RAM);
            assertEquals(0x77, m.memory().get(ValueLayout.JAVA_BYTE, 0), "a driver that does not wait reads old bytes");
            waitIdle(bar);
            assertArrayEquals(
                    new byte[4095],
                    m.memory().asSlice(0, 4095).toArray(ValueLayout.JAVA_BYTE),
                    "the (zeroed) buffer arrived");
        }
    }

    @Test
    void intxStaysMaskedUntilTheDriverUnmasks() {
        open(FakeDmaSpace.Mode.THROW, FakeEdu.Config.defaults());
        Interrupts intx = dev.enableInterrupts(IrqType.INTX, 1);
        bar.write32(EduRegs.IRQ_RAISE, 0x10);
        assertEquals(1, intx.await(0, Duration.ofSeconds(1)));
        bar.write32(EduRegs.IRQ_ACK, 0x10);
        bar.write32(EduRegs.IRQ_RAISE, 0x20);
        assertEquals(0, intx.await(0, Duration.ofMillis(100)), "masked since it fired: nothing until unmask");
        intx.unmask(0);
        assertEquals(1, intx.poll(0), "the line is still asserted, so the unmask delivers it");
        bar.write32(EduRegs.IRQ_ACK, 0x20);
        intx.unmask(0);
        assertEquals(0, intx.poll(0), "deasserted: an unmask delivers nothing");
        intx.close();
    }

    @Test
    void withMsiEnabledEveryRaiseIsAMessage() {
        open(FakeDmaSpace.Mode.THROW, FakeEdu.Config.defaults());
        Interrupts msi = dev.enableInterrupts(IrqType.MSI, 1);
        bar.write32(EduRegs.IRQ_RAISE, 0x10);
        bar.write32(EduRegs.IRQ_RAISE, 0x20);
        assertEquals(2, msi.poll(0), "edu sends a message at every raise while a cause is set");
        assertEquals(0x30, bar.read32(EduRegs.IRQ_STATUS));
        msi.unmask(0); // a no-op for MSI
        assertEquals(0, msi.poll(0));
        msi.close();
    }

    @Test
    void inRecordModeTheBugsAreListedAndTheDeviceGoesOn() {
        open(FakeDmaSpace.Mode.RECORD, FakeEdu.Config.defaults());
        bar.write64(EduRegs.DMA_SRC, 0x1000_0000L);
        bar.write64(EduRegs.DMA_DST, EduRegs.BUFFER);
        bar.write64(EduRegs.DMA_COUNT, 16);
        bar.write32(EduRegs.DMA_CMD, EduRegs.CMD_START | EduRegs.CMD_IRQ);
        waitIdle(bar);
        assertEquals(EduRegs.IRQ_DMA, bar.read32(EduRegs.IRQ_STATUS), "the dropped transfer still completes");
        List<DmaDebugFault> f = space.faults();
        assertEquals(1, f.size(), f.toString());
        assertEquals(DmaDebugFault.Kind.ABOVE_DMA_MASK, f.get(0).kind());
    }
}
