package org.dma4j.nvme;

import org.dma4j.hil.Guest;
import org.dma4j.iommu.Backend;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Tag;

/** The NVMe driver on QEMU's NVMe through a VFIO type1 container. */
@Tag("type1")
class Type1NvmeDriverTest extends NvmeDriverContract {
    @Override
    protected PciDevice openDevice() {
        Guest.require("type1");
        String bdf = Guest.nvmeBdf();
        return VfioPciDevice.open(PciAddress.parse(bdf), Backend.TYPE1);
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }
}
