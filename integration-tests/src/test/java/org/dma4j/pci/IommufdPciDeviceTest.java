package org.dma4j.pci;

import org.dma4j.iommu.DmaSpace;
import org.dma4j.iommu.IommufdSpace;
import org.junit.jupiter.api.Tag;

/** VfioPciDevice through its cdev, bound to iommufd and attached to an IOAS. */
@Tag("iommufd")
class IommufdPciDeviceTest extends VfioPciDeviceContract {
    @Override
    String variant() {
        return "iommufd";
    }

    @Override
    DmaSpace openSpace(String bdf) {
        return IommufdSpace.open();
    }
}
