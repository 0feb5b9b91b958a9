package org.dma4j.pci;

import org.dma4j.iommu.DmaSpace;
import org.dma4j.iommu.DmaSpaces;
import org.dma4j.iommu.NoIommuSpace;
import org.junit.jupiter.api.Tag;

/** VfioPciDevice through its no-IOMMU group. */
@Tag("noiommu")
class NoIommuPciDeviceTest extends VfioPciDeviceContract {
    @Override
    String variant() {
        return "noiommu";
    }

    @Override
    DmaSpace openSpace(String bdf) {
        return NoIommuSpace.open(DmaSpaces.group(bdf));
    }
}
