package org.dma4j.nvme;

import org.dma4j.hil.Guest;
import org.dma4j.iommu.Backend;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Tag;

/**
 * The NVMe driver on QEMU's NVMe in VFIO's no-IOMMU mode: the device sees physical addresses,
 * so queues, PRP lists and data live in hugepages from the space's {@code allocate}.
 */
@Tag("noiommu")
class NoIommuNvmeDriverTest extends NvmeDriverContract {
    @Override
    protected PciDevice openDevice() {
        Guest.require("noiommu");
        String bdf = Guest.nvmeBdf();
        return VfioPciDevice.open(PciAddress.parse(bdf), Backend.NOIOMMU);
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }
}
