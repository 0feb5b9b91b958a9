package org.dma4j.nvme;

import java.util.ArrayList;
import java.util.List;
import org.dma4j.hil.Guest;
import org.dma4j.iommu.Backend;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.iommu.DmaSpaces;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;

/** Every NVMe controller of the guest opened into one iommufd space (needs two: tools/hil --nvme A --nvme B). */
@Tag("iommufd")
class IommufdSharedSpaceTest extends NvmeSharedSpaceContract {
    @Override
    protected DmaSpace openSpace() {
        Guest.require("iommufd");
        List<String> bdfs = Guest.nvmeBdfs();
        Assumptions.assumeTrue(
                bdfs.size() >= 2,
                "needs two NVMe controllers (tools/hil --nvme mdts=7 --nvme mdts=7); this guest has " + bdfs.size());
        return DmaSpaces.open(Backend.IOMMUFD, bdfs.getFirst());
    }

    @Override
    protected List<PciDevice> openDevices(DmaSpace space) {
        List<PciDevice> out = new ArrayList<>();
        for (String bdf : Guest.nvmeBdfs()) {
            out.add(VfioPciDevice.open(PciAddress.parse(bdf), space));
        }
        return out;
    }
}
