package org.dma4j.fake;

import org.dma4j.nvme.NvmeDriverContract;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;

/** The NVMe driver contract on the fake NVMe controller, through the fake IOMMU. */
class FakeNvmeDriverTest extends NvmeDriverContract {
    @Override
    protected PciDevice openDevice() {
        return FakeNvme.device(
                PciAddress.parse("0000:00:04.0"), FakeDmaSpace.open(), new FakeNvme(FakeNvme.Config.defaults()));
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }
}
