package org.dma4j.fake;

import java.util.List;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.nvme.NvmeSharedSpaceContract;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;

/** Two fake NVMe controllers on one fake IOMMU. */
class FakeSharedDmaSpaceTest extends NvmeSharedSpaceContract {
    private FakeDmaSpace fake;

    @Override
    protected DmaSpace openSpace() {
        fake = FakeDmaSpace.open();
        return fake;
    }

    @Override
    protected List<PciDevice> openDevices(DmaSpace space) {
        return List.of(
                FakeNvme.device(PciAddress.parse("0000:00:04.0"), fake, new FakeNvme(FakeNvme.Config.defaults())),
                FakeNvme.device(PciAddress.parse("0000:00:05.0"), fake, new FakeNvme(FakeNvme.Config.defaults())));
    }
}
