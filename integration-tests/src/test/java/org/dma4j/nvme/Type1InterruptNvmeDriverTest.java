package org.dma4j.nvme;

import org.dma4j.hil.Guest;
import org.dma4j.iommu.Backend;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Tag;

/** The NVMe driver on QEMU's NVMe through type1, in MSI-X interrupt mode (eventfds). */
@Tag("type1")
class Type1InterruptNvmeDriverTest extends NvmeDriverContract {
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

    @Override
    protected boolean interrupts() {
        return true;
    }
}
