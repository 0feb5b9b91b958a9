package org.dma4j.nvme;

import org.dma4j.hil.Guest;
import org.dma4j.iommu.Backend;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Tag;

/** The queue-management rules on QEMU's NVMe through a VFIO type1 container: the same answers as the fake's. */
@Tag("type1")
class Type1QueueRulesTest extends NvmeQueueRulesContract {
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
