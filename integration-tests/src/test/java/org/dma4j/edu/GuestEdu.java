package org.dma4j.edu;

import org.dma4j.hil.Guest;
import org.dma4j.iommu.Backend;
import org.dma4j.iommu.DmaMask;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.iommu.DmaSpaces;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;

/**
 * The guest's edu devices, as GuestSuiteIT starts them: the first has edu's default 28-bit mask
 * (32 bits in the no-IOMMU guest, where DMA memory is wherever hugepages are), the second a small
 * one for the DMA-limit test.
 */
final class GuestEdu {
    private GuestEdu() {}

    /** The mask of the first edu in {@code variant}'s guest (GuestSuiteIT's --edu options). */
    static DmaMask firstMask(String variant) {
        return variant.equals("noiommu") ? DmaMask.bits(32) : DmaMask.bits(EduRegs.DEFAULT_DMA_BITS);
    }

    /** The mask of the second edu (GuestSuiteIT: dma_mask=0x3ffffff, 0x3fffffff without an IOMMU). */
    static DmaMask secondMask(String variant) {
        return variant.equals("noiommu") ? DmaMask.bits(30) : DmaMask.bits(26);
    }

    /** Opens edu number {@code index} on a new {@code backend} space; the caller closes device, then space. */
    static PciDevice open(String backend, int index) {
        String bdf = Guest.eduBdfs().get(index);
        DmaSpace space = DmaSpaces.open(Backend.parse(backend), bdf);
        try {
            return VfioPciDevice.open(PciAddress.parse(bdf), space);
        } catch (RuntimeException e) {
            space.close();
            throw e;
        }
    }

    static void close(PciDevice d) {
        try {
            d.close();
        } finally {
            d.dmaSpace().close();
        }
    }
}
