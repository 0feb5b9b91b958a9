package org.dma4j.pci;

import org.dma4j.iommu.DmaSpace;
import org.dma4j.iommu.DmaSpaces;
import org.dma4j.iommu.VfioType1Space;
import org.junit.jupiter.api.Tag;

/** VfioPciDevice through its IOMMU group on a type1 container. */
@Tag("type1")
class Type1PciDeviceTest extends VfioPciDeviceContract {
    @Override
    String variant() {
        return "type1";
    }

    @Override
    DmaSpace openSpace(String bdf) {
        return VfioType1Space.open(DmaSpaces.group(bdf));
    }
}
