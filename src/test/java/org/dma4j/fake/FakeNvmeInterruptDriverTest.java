package org.dma4j.fake;

import org.dma4j.nvme.NvmeDriverContract;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;

/** The driver contract on the fake NVMe controller in MSI-X interrupt mode. */
class FakeNvmeInterruptDriverTest extends NvmeDriverContract {
    @Override
    protected PciDevice openDevice() {
        return FakeNvme.device(
                PciAddress.parse("0000:00:06.0"), FakeDmaSpace.open(), new FakeNvme(FakeNvme.Config.defaults()));
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }

    @Override
    protected boolean interrupts() {
        return true;
    }
}
