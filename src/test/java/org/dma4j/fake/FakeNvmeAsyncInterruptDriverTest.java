package org.dma4j.fake;

import java.time.Duration;
import org.dma4j.nvme.NvmeDriverContract;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;

/** The driver contract in MSI-X interrupt mode on an asynchronous fake: vectors are raised from the device thread. */
class FakeNvmeAsyncInterruptDriverTest extends NvmeDriverContract {
    @Override
    protected PciDevice openDevice() {
        FakeNvme.Config config = FakeNvme.Config.defaults().asynchronous(Duration.ofNanos(50_000));
        return FakeNvme.device(PciAddress.parse("0000:00:09.0"), FakeDmaSpace.open(), new FakeNvme(config));
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
