package org.dma4j.nvme;

import org.dma4j.hil.Guest;
import org.dma4j.iommu.Backend;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.iommu.DmaSpaces;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Tag;

/**
 * Peer-to-peer as {@link Type1P2pTest}, with both devices in ONE type1 container (their two IOMMU
 * groups in it): ivshmem's BAR is mapped into the space both share, and closing ivshmem leaves
 * the container and the NVMe controller in it working.
 */
@Tag("p2p")
class Type1OneContainerP2pTest extends Type1P2pTest {
    private DmaSpace shared;

    @Override
    protected PciDevice openNvme() {
        Guest.require("p2p");
        String bdf = Guest.nvmeBdf();
        shared = DmaSpaces.open(Backend.TYPE1, bdf);
        return VfioPciDevice.open(PciAddress.parse(bdf), shared);
    }

    @Override
    protected PciDevice openPeer() {
        VfioPciDevice d =
                VfioPciDevice.open(PciAddress.parse(Guest.ivshmemBdf()), shared); // its group joins the container
        d.configWrite(PciDevice.COMMAND, 2, d.configRead(PciDevice.COMMAND, 2) | PciDevice.COMMAND_MEMORY);
        return d;
    }

    /** The peer leaves the shared container; the NVMe controller's close closes the container after it. */
    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        if (d == nvme) {
            shared.close();
        }
    }
}
