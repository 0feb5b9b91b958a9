package org.dma4j.edu;

import java.nio.file.Path;
import org.dma4j.hil.Guest;
import org.dma4j.iommu.Backend;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.iommu.DmaSpaces;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Tag;

/**
 * edu peer-to-peer in the p2p guest: QEMU's edu copies between its buffer and ivshmem's BAR2,
 * mapped with {@code DmaAttr.MMIO} into the type1 container both devices share (their two IOMMU
 * groups in one container); the emulated Intel IOMMU translates edu's accesses to the BAR's
 * guest-physical address. The bytes are checked in RAM, through the BAR, in the host's
 * {@code ivshmem.bin} read through the results share, and by the host after the guest has gone
 * ({@code GuestSuiteIT}, from {@code p2p-expected.txt}).
 */
@Tag("p2p")
class Type1EduP2pTest extends EduP2pContract {
    private DmaSpace shared;

    @Override
    protected PciDevice openEdu() {
        Guest.require("p2p");
        String bdf = Guest.eduBdfs().get(0);
        shared = DmaSpaces.open(Backend.TYPE1, bdf);
        try {
            return VfioPciDevice.open(PciAddress.parse(bdf), shared);
        } catch (RuntimeException e) {
            shared.close();
            throw e;
        }
    }

    @Override
    protected PciDevice openPeer() {
        VfioPciDevice d =
                VfioPciDevice.open(PciAddress.parse(Guest.ivshmemBdf()), shared); // its group joins the container
        // Memory decoding on: QEMU routes edu's DMA to BAR2 only while it is enabled.
        d.configWrite(PciDevice.COMMAND, 2, d.configRead(PciDevice.COMMAND, 2) | PciDevice.COMMAND_MEMORY);
        return d;
    }

    /** The peer leaves the shared container; edu's close closes the container after it. */
    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        if (d == eduDevice) {
            shared.close();
        }
    }

    @Override
    protected Path backingFile() {
        return Guest.resultsDir().resolve("ivshmem.bin");
    }

    @Override
    protected void expectInBackingFile(String test, long offset, byte[] bytes) {
        Guest.expectInIvshmemFile(test, offset, bytes);
    }
}
