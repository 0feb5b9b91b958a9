package org.dma4j.fake.edu;

import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeIvshmem;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;

/** edu peer-to-peer on the fake with each device on its own fake DMA space: the BAR is just memory to edu's. */
class FakeEduOwnSpacesP2pTest extends FakeEduP2pTest {
    @Override
    protected PciDevice openPeer() {
        return FakeIvshmem.device(
                PciAddress.parse("0000:00:05.0"), FakeDmaSpace.open(), FakeIvshmem.ofFile(backingFile(), 1 << 20));
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }
}
