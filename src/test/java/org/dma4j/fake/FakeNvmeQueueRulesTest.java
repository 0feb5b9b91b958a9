package org.dma4j.fake;

import org.dma4j.nvme.NvmeQueueRulesContract;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;

/** The queue-management rules on the fake NVMe controller (the guest runs the same on QEMU's). */
class FakeNvmeQueueRulesTest extends NvmeQueueRulesContract {
    @Override
    protected PciDevice openDevice() {
        return FakeNvme.device(
                PciAddress.parse("0000:00:0c.0"), FakeDmaSpace.open(), new FakeNvme(FakeNvme.Config.defaults()));
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }
}
