package org.dma4j.fake;

import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;

/** Peer-to-peer on the fake with both devices in one fake DMA space; closing ivshmem leaves the NVMe controller working. */
class FakeOneSpaceP2pTest extends FakeP2pTest {
    @Override
    protected PciDevice openPeer() {
        return FakeIvshmem.device(
                PciAddress.parse("0000:00:05.0"),
                (FakeDmaSpace) nvme.dmaSpace(),
                FakeIvshmem.ofFile(backingFile(), 1 << 20));
    }

    /** The peer leaves the shared space; the NVMe controller's close closes the space after it. */
    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        if (d == nvme) {
            d.dmaSpace().close();
        }
    }

    @Override
    protected void closePeerAfterFault(PciDevice p) {
        // the space is the NVMe controller's: it stays open
    }
}
