package org.dma4j.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.dma4j.AlreadyClosedException;
import org.dma4j.OutOfRangeException;
import org.dma4j.hil.Guest;
import org.dma4j.hil.NvmeChecks;
import org.dma4j.hil.RawNvme;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.linux.gen.vfio.vfio_h;
import org.dma4j.mem.DmaBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * VfioPciDevice on the guest's NVMe controller, the same assertions on every path into VFIO:
 * group on a type1 container, cdev on iommufd, group in no-IOMMU mode.
 */
abstract class VfioPciDeviceContract {
    protected DmaSpace space;
    protected VfioPciDevice dev;

    abstract String variant();

    abstract DmaSpace openSpace(String bdf);

    @BeforeEach
    void open() {
        Guest.require(variant());
        String bdf = Guest.nvmeBdf();
        space = openSpace(bdf);
        dev = VfioPciDevice.open(PciAddress.parse(bdf), space);
    }

    @AfterEach
    void close() {
        if (dev != null) {
            dev.close();
        }
        if (space != null) {
            space.close();
        }
    }

    @Test
    void regionsAndTheirCapabilities() {
        List<VfioRegion> regions = dev.regions();
        assertEquals(vfio_h.VFIO_PCI_NUM_REGIONS(), regions.size());
        VfioRegion config = regions.get(vfio_h.VFIO_PCI_CONFIG_REGION_INDEX());
        assertTrue(config.readable() && config.writable() && config.size() >= 256, config.toString());
        VfioRegion bar0 = regions.get(vfio_h.VFIO_PCI_BAR0_REGION_INDEX());
        assertTrue(bar0.mmappable() && bar0.size() >= 0x2000, bar0.toString());
        // QEMU's NVMe keeps its MSI-X table in BAR0; VFIO says it may be mmapped all the same.
        assertTrue(
                bar0.capabilityIds().contains(vfio_h.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE()),
                "capabilities of BAR0: " + bar0);
    }

    @Test
    void configSpace() {
        assertEquals(NvmeChecks.QEMU_VID, dev.configRead(0x00, 2));
        assertEquals(0x010802, dev.configRead(0x08, 4) >>> 8, "class: NVMe");
        dev.setBusMaster(true);
        assertEquals(PciDevice.COMMAND_MASTER, dev.configRead(PciDevice.COMMAND, 2) & PciDevice.COMMAND_MASTER);
        dev.setBusMaster(false);
        assertEquals(0, dev.configRead(PciDevice.COMMAND, 2) & PciDevice.COMMAND_MASTER);
        assertThrows(OutOfRangeException.class, () -> dev.configRead(4096, 4));
    }

    @Test
    void bar0Registers() {
        Bar bar = dev.bar(0);
        assertTrue(((bar.read64(RawNvme.CAP) >>> 37) & 1) == 1, "CAP.CSS: NVM command set");
        assertTrue(bar.read32(RawNvme.VS) >= 0x00010200);
        var e = assertThrows(OutOfRangeException.class, () -> bar.read32(bar.size()));
        assertTrue(e.getMessage().contains("is outside BAR0"), e.getMessage());
        assertThrows(PciSetupException.class, () -> dev.bar(1), "QEMU's NVMe has no BAR1 to map");
    }

    /** The admin completion queue signals MSI-X vector 0: the eventfd must see it. */
    @Test
    void msixInterruptOnACompletion() {
        assertTrue(dev.interruptCount(IrqType.MSIX) >= 1);
        try (DmaBuffer mem = space.allocate(3 * 4096);
                DmaMapping sq = space.map(mem, 0, 4096, DmaDirection.BIDIRECTIONAL, null);
                DmaMapping cq = space.map(mem, 4096, 4096, DmaDirection.BIDIRECTIONAL, null);
                DmaMapping id = space.map(mem, 8192, 4096, DmaDirection.FROM_DEVICE, null);
                Interrupts irq = dev.enableInterrupts(IrqType.MSIX, 1)) {
            dev.setBusMaster(true);
            assertEquals(0, irq.poll(0));
            RawNvme nvme = new RawNvme(
                    RawNvme.Regs.of(dev.bar(0)),
                    sq.memory(),
                    sq.iova().value(),
                    cq.memory(),
                    cq.iova().value());
            try {
                assertEquals(0, nvme.identifyController(id.iova().value()));
                assertTrue(irq.await(0, Duration.ofSeconds(5)) >= 1, "MSI-X vector 0 fired");
                assertEquals("QEMU NVMe Ctrl", RawNvme.ascii(id.memory(), 24, 40));
            } finally {
                nvme.disable();
            }
        }
    }

    @Test
    void resetDisablesAnEnabledController() {
        try (DmaBuffer mem = space.allocate(2 * 4096);
                DmaMapping sq = space.map(mem, 0, 4096, DmaDirection.BIDIRECTIONAL, null);
                DmaMapping cq = space.map(mem, 4096, 4096, DmaDirection.BIDIRECTIONAL, null)) {
            dev.setBusMaster(true);
            Bar bar = dev.bar(0);
            new RawNvme(
                    RawNvme.Regs.of(bar),
                    sq.memory(),
                    sq.iova().value(),
                    cq.memory(),
                    cq.iova().value());
            assertEquals(1, bar.read32(RawNvme.CSTS) & 1, "enabled and ready");
            dev.reset();
            assertEquals(0, bar.read32(RawNvme.CC) & 1, "CC.EN is clear after a function reset");
            assertEquals(0, bar.read32(RawNvme.CSTS) & 1, "CSTS.RDY is clear after a function reset");
            // The kernel saves and restores config space around the reset, so bus mastering stays as it was.
            assertEquals(PciDevice.COMMAND_MASTER, dev.configRead(PciDevice.COMMAND, 2) & PciDevice.COMMAND_MASTER);
        }
    }

    @Test
    void closeUndoesEverythingAndTheDeviceOpensAgain() {
        Bar bar = dev.bar(0);
        Interrupts irq = dev.enableInterrupts(IrqType.MSIX, 1);
        dev.close();
        dev.close();
        assertThrows(AlreadyClosedException.class, () -> dev.configRead(0, 2));
        assertThrows(AlreadyClosedException.class, () -> irq.poll(0));
        dev = VfioPciDevice.open(dev.address(), space);
        assertEquals(NvmeChecks.QEMU_VID, dev.configRead(0x00, 2), "released, so it opens again");
        assertTrue(bar.size() > 0);
    }
}
