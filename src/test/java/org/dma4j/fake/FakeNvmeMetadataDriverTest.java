package org.dma4j.fake;

import org.dma4j.nvme.MetadataContract;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;

/** The metadata contract on a fake laid out as the nvmemeta guest's QEMU NVMe. */
public class FakeNvmeMetadataDriverTest extends MetadataContract {
    private FakeNvme nvme;

    /** A namespace as QEMU sizes one from a SIZE-byte image: SIZE / (data + metadata) blocks. */
    static FakeNamespace qemuLike(int dataSize, int ms, boolean extended, int pi, boolean first) {
        FakeNamespace ns = FakeNamespace.of(SIZE / (dataSize + ms), dataSize);
        if (ms != 0) {
            ns = ns.withMetadata(ms, extended);
        }
        return pi == 0 ? ns : ns.withProtection(pi, first);
    }

    /** The nvmemeta guest's controller (GuestSuiteIT.NVMEMETA): MDTS 16 KiB and its eight namespaces. */
    static FakeNvme.Config nvmemeta() {
        return FakeNvme.Config.defaults()
                .withMdts(2)
                .withNamespaces(
                        qemuLike(512, 0, false, 0, false),
                        qemuLike(512, 8, true, 0, false),
                        qemuLike(512, 8, false, 0, false),
                        qemuLike(512, 8, false, 1, false),
                        qemuLike(512, 8, true, 1, false),
                        qemuLike(4096, 64, true, 0, false),
                        qemuLike(512, 16, false, 1, true),
                        qemuLike(512, 16, true, 3, false));
    }

    @Override
    protected PciDevice openDevice() {
        nvme = new FakeNvme(nvmemeta());
        return FakeNvme.device(PciAddress.parse("0000:00:06.0"), FakeDmaSpace.open(), nvme);
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }

    @Override
    protected int faults() {
        return ((FakeDmaSpace) device.dmaSpace()).faults().size() + nvme.bugs().size();
    }
}
