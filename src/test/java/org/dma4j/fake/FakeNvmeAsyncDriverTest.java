package org.dma4j.fake;

import java.time.Duration;
import org.dma4j.nvme.NvmeDriverContract;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;

/**
 * The driver contract on an asynchronous fake: a device thread completes each I/O command
 * 50 us after its doorbell, CSTS.RDY takes 5 ms to follow CC.EN and a shutdown 10 ms.
 */
class FakeNvmeAsyncDriverTest extends NvmeDriverContract {
    @Override
    protected PciDevice openDevice() {
        FakeNvme.Config config = FakeNvme.Config.defaults()
                .asynchronous(Duration.ofNanos(50_000))
                .withDelays(Duration.ofMillis(5), Duration.ofMillis(10));
        return FakeNvme.device(PciAddress.parse("0000:00:08.0"), FakeDmaSpace.open(), new FakeNvme(config));
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }
}
