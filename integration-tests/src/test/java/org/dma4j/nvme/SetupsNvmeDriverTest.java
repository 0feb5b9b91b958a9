package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dma4j.hil.Guest;
import org.dma4j.iommu.Backend;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The driver contract on an unusual QEMU NVMe (4 KiB blocks, MDTS 8 KiB so transfers split,
 * two namespaces, two I/O queue pairs), over iommufd.
 */
@Tag("nvmesetups")
class SetupsNvmeDriverTest extends NvmeDriverContract {
    @Override
    protected PciDevice openDevice() {
        Guest.require("nvmesetups");
        return VfioPciDevice.open(PciAddress.parse(Guest.nvmeBdf()), Backend.IOMMUFD);
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }

    @Test
    void theSetupIsWhatTheRigAskedFor() {
        assertEquals(4096, ns.blockSize());
        assertEquals(2, ctrl.namespaces().size());
        assertEquals(8192, ctrl.maxTransferBytes(), "MDTS 1 with 4 KiB pages");
        assertTrue(ctrl.ioQueuesGranted() <= 2, "granted " + ctrl.ioQueuesGranted());
    }
}
