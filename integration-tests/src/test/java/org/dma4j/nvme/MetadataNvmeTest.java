package org.dma4j.nvme;

import org.dma4j.hil.Guest;
import org.dma4j.iommu.Backend;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Tag;

/** The metadata contract on QEMU's NVMe with seven metadata namespaces (GuestSuiteIT.NVMEMETA), over iommufd. */
@Tag("nvmemeta")
class MetadataNvmeTest extends MetadataContract {
    @Override
    protected PciDevice openDevice() {
        Guest.require("nvmemeta");
        return VfioPciDevice.open(PciAddress.parse(Guest.nvmeBdf()), Backend.IOMMUFD);
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }

    /** QEMU completes a command whose DMA the IOMMU blocked; the guest kernel's DMAR fault report tells. */
    @Override
    protected int faults() {
        return Guest.dmarFaults().size();
    }
}
