package org.dma4j.fake;

import org.dma4j.nvme.NvmeDriverContract;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;

/** The driver contract on a fake whose doorbells are 16 bytes apart (CAP.DSTRD=2): the driver must honour the stride. */
class FakeNvmeStrideDriverTest extends NvmeDriverContract {
    @Override
    protected PciDevice openDevice() {
        FakeNvme.Config config = FakeNvme.Config.defaults().withDoorbellStride(2);
        return FakeNvme.device(PciAddress.parse("0000:00:0a.0"), FakeDmaSpace.open(), new FakeNvme(config));
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }
}
