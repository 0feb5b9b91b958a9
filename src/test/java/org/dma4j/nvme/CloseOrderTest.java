package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import org.dma4j.fake.DmaDebugFault;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 item 4: who closes what, and every close order safe. On the fake: a space, a device
 * with the fake NVMe controller, the driver, and a buffer mapped for the device.
 */
class CloseOrderTest {
    private static final PciAddress BDF = PciAddress.parse("0000:00:04.0");
    private static final Duration SHORT = Duration.ofMillis(300);

    private static FakePciDevice device(FakeDmaSpace space) {
        return FakeNvme.device(BDF, space, new FakeNvme(FakeNvme.Config.defaults()));
    }

    private static List<DmaDebugFault.Kind> kinds(FakeDmaSpace space) {
        return space.faults().stream().map(DmaDebugFault::kind).toList();
    }

    @Test
    void spaceBeforeDeviceTurnsItsDmaOffThenUnmapsNewestFirst() {
        FakeDmaSpace space = FakeDmaSpace.open(FakeDmaSpace.Config.defaults().withMode(FakeDmaSpace.Mode.RECORD));
        FakePciDevice dev = device(space);
        NvmeController c = NvmeController.open(dev, SHORT, 32, 1);
        IoQueue q = c.createIoQueue(4);
        try (DmaBuffer a = space.allocate(4096);
                DmaBuffer b = space.allocate(4096)) {
            DmaMapping older = space.map(a, DmaDirection.FROM_DEVICE);
            DmaMapping newer = space.map(b, DmaDirection.FROM_DEVICE);
            space.close();
            assertEquals(0, dev.configRead(PciDevice.COMMAND, 2) & PciDevice.COMMAND_MASTER, "bus mastering off first");
            assertFalse(older.isLive() || newer.isLive());
            assertEquals("its space's close", newer.unmappedBy());
            String leak = space.faults().getFirst().getMessage();
            assertTrue(
                    leak.indexOf(newer.iova().toString())
                            < leak.indexOf(older.iova().toString()),
                    "newest first: " + leak);
            // The driver, then the device, close after their space: no command, no DMA, no error.
            q.close();
            c.close();
            dev.close();
            older.close(); // harmless: gone with the space
        }
        assertEquals(List.of(DmaDebugFault.Kind.LEAK), kinds(space), "only the leak report; no DMA after the close");
    }

    @Test
    void bufferBeforeMappingUnmapsBeforeTheMemoryGoes() {
        FakeDmaSpace space = FakeDmaSpace.open(FakeDmaSpace.Config.defaults().withMode(FakeDmaSpace.Mode.RECORD));
        DmaBuffer buf = space.allocate(4096);
        DmaMapping m = space.map(buf, DmaDirection.FROM_DEVICE);
        buf.close();
        assertFalse(m.isLive());
        assertEquals("its buffer's close", m.unmappedBy());
        try (Arena arena = Arena.ofConfined()) {
            assertFalse(space.deviceWrite(m.iova(), arena.allocate(8)), "the device cannot reach the freed memory");
        }
        m.close(); // harmless
        space.unmap(m);
        assertEquals(
                List.of(
                        DmaDebugFault.Kind.BUFFER_CLOSED_WHILE_MAPPED,
                        DmaDebugFault.Kind.UNMAPPED_ACCESS,
                        DmaDebugFault.Kind.DOUBLE_UNMAP),
                kinds(space));
        assertTrue(
                space.faults().getLast().getMessage().contains("unmapped already, by its buffer's close"),
                space.faults().getLast().getMessage());
        space.close();
    }

    @Test
    void deviceBeforeControllerFreesTheQueuesWithoutCommands() {
        try (FakeDmaSpace space = FakeDmaSpace.open()) {
            FakePciDevice dev = device(space);
            NvmeController c = NvmeController.open(dev, SHORT, 32, 2);
            c.createIoQueue(4);
            assertFalse(space.mappings().isEmpty());
            dev.close();
            c.close(); // was: AlreadyClosedException from the BAR of the closed device
            assertEquals(List.of(), space.mappings(), "the controller's queues are unmapped");
            assertEquals(List.of(), space.faults());
        }
    }

    @SuppressWarnings("try") // the controller c is held for its scope
    @Test
    void aControllerGivenItsDeviceClosesIt() {
        try (FakeDmaSpace space = FakeDmaSpace.open()) {
            FakePciDevice dev = device(space);
            try (NvmeController c = NvmeController.openOwning(dev)) {
                assertTrue(dev.isOpen());
            }
            assertFalse(dev.isOpen(), "the controller closed the device it owns");
            assertTrue(space.isOpen(), "and not the space, which the device does not own");
        }
    }

    @Test
    void aControllerOnACallersDeviceLeavesItOpen() {
        try (FakeDmaSpace space = FakeDmaSpace.open();
                FakePciDevice dev = device(space)) {
            NvmeController.open(dev).close();
            assertTrue(dev.isOpen());
        }
    }

    @Test
    void closingAMappingTwiceIsHarmless() {
        try (FakeDmaSpace space = FakeDmaSpace.open();
                DmaBuffer b = space.allocate(4096)) {
            DmaMapping m = space.map(b, DmaDirection.TO_DEVICE);
            m.close();
            m.close();
            assertEquals("close()", m.unmappedBy());
            assertEquals(List.of(), space.mappings());
            assertEquals(List.of(), space.faults());
        }
    }

    @Test
    void unmapAfterCloseIsATypedErrorNamingTheClose() {
        try (FakeDmaSpace space = FakeDmaSpace.open();
                DmaBuffer b = space.allocate(4096)) {
            DmaMapping m = space.map(b, DmaDirection.TO_DEVICE);
            m.close();
            var e = assertThrows(DmaDebugFault.class, () -> space.unmap(m));
            assertEquals(DmaDebugFault.Kind.DOUBLE_UNMAP, e.kind());
            assertTrue(e.getMessage().contains("unmapped already, by close()"), e.getMessage());
        }
    }

    @Test
    void theReadmeOrderReportsNothing() {
        // space, device, buffer, mapping: closed mapping, buffer, device, space.
        FakeDmaSpace space = FakeDmaSpace.open();
        try (space;
                FakePciDevice dev = device(space);
                DmaBuffer buf = space.allocate(4096);
                DmaMapping m = space.map(buf, DmaDirection.FROM_DEVICE)) {
            MemorySegment s = buf.segment();
            s.fill((byte) 1);
            assertTrue(dev.isOpen() && m.isLive());
        }
        assertEquals(List.of(), space.faults());
    }
}
