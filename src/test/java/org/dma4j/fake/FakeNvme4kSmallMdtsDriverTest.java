package org.dma4j.fake;

import org.dma4j.nvme.NvmeDriverContract;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;

/** The driver contract on a fake with 4 KiB blocks, an 8 KiB MDTS (transfers split) and one I/O queue. */
class FakeNvme4kSmallMdtsDriverTest extends NvmeDriverContract {
    @Override
    protected PciDevice openDevice() {
        FakeNvme.Config config = FakeNvme.Config.defaults()
                .withNamespaces(FakeNamespace.of(16384, 4096))
                .withMdts(1)
                .withMaxIoQueues(1);
        return FakeNvme.device(PciAddress.parse("0000:00:05.0"), FakeDmaSpace.open(), new FakeNvme(config));
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }
}
