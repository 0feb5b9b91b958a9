package org.dma4j.fake.edu;

import java.nio.file.Path;
import org.dma4j.edu.EduP2pContract;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeIvshmem;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.junit.jupiter.api.io.TempDir;

/**
 * edu peer-to-peer on the fake: the fake edu DMAs between its buffer and a fake ivshmem's BAR2
 * (backed by a file, as QEMU's memory-backend-file) through the fake IOMMU, both devices in one
 * fake DMA space as in the p2p guest.
 */
class FakeEduP2pTest extends EduP2pContract {
    @TempDir
    Path dir;

    @Override
    protected PciDevice openEdu() {
        return FakeEdu.device(PciAddress.parse("0000:00:07.0"), FakeDmaSpace.open(), new FakeEdu());
    }

    @Override
    protected PciDevice openPeer() {
        return FakeIvshmem.device(
                PciAddress.parse("0000:00:05.0"),
                (FakeDmaSpace) eduDevice.dmaSpace(),
                FakeIvshmem.ofFile(backingFile(), 1 << 20));
    }

    /** The peer leaves the shared space; edu's close closes the space after it. */
    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        if (d == eduDevice) {
            d.dmaSpace().close();
        }
    }

    @Override
    protected Path backingFile() {
        return dir.resolve("ivshmem.bin");
    }
}
