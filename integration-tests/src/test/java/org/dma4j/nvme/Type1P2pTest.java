package org.dma4j.nvme;

import java.nio.file.Path;
import org.dma4j.hil.Guest;
import org.dma4j.iommu.DmaSpaces;
import org.dma4j.iommu.VfioType1Space;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Tag;

/**
 * Real peer-to-peer DMA in the p2p guest: QEMU's NVMe controller reads blocks into and writes
 * blocks from ivshmem's BAR2, mapped into the NVMe controller's type1 container with
 * {@code DmaAttr.MMIO}; the emulated Intel IOMMU translates each access to the BAR's guest-physical
 * address. Each device has its own container. The bytes are checked through the BAR, in the
 * host's {@code ivshmem.bin} read through the results share, and (from {@code p2p-expected.txt})
 * by the host after the guest has gone ({@code GuestSuiteIT}).
 */
@Tag("p2p")
class Type1P2pTest extends P2pContract {
    @Override
    protected PciDevice openNvme() {
        Guest.require("p2p");
        String bdf = Guest.nvmeBdf();
        return VfioPciDevice.open(PciAddress.parse(bdf), VfioType1Space.open(DmaSpaces.group(bdf)));
    }

    /** ivshmem in its own container: its BAR is just memory to the NVMe controller's IOMMU. */
    @Override
    protected PciDevice openPeer() {
        String bdf = Guest.ivshmemBdf();
        VfioPciDevice d = VfioPciDevice.open(PciAddress.parse(bdf), VfioType1Space.open(DmaSpaces.group(bdf)));
        // Memory decoding on: QEMU routes the NVMe controller's DMA to BAR2 only while it is enabled.
        d.configWrite(PciDevice.COMMAND, 2, d.configRead(PciDevice.COMMAND, 2) | PciDevice.COMMAND_MEMORY);
        return d;
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }

    @Override
    protected Path backingFile() {
        return Guest.resultsDir().resolve("ivshmem.bin");
    }

    @Override
    protected void expectInBackingFile(String test, long offset, byte[] bytes) {
        Guest.expectInIvshmemFile(test, offset, bytes);
    }
}
