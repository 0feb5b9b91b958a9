package org.dma4j.hil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.dma4j.ErrnoException;
import org.dma4j.Iova;
import org.dma4j.iommu.DmaAttr;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapException;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.IommufdSpace;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Peer-to-peer MMIO on iommufd: a real BAR (the NVMe controller's BAR0, mmapped through its VFIO
 * cdev) is refused up front with the reason and a typed error, and the kernel itself refuses
 * the same user address in IOMMU_IOAS_MAP, which is why dma4j does not try.
 */
@Tag("iommufd")
@Tag("p2p")
class IommufdMmioTest {
    @SuppressWarnings("try") // closes the first mapping inside its try on purpose
    @Test
    void aRealBarIsRefusedWithTheReasonBeforeAnyIovaIsTaken() {
        Guest.requireAny("iommufd", "p2p");
        try (IommufdSpace space = IommufdSpace.open();
                VfioPciDevice nvme = VfioPciDevice.open(PciAddress.parse(Guest.nvmeBdf()), space)) {
            DmaBuffer bar = nvme.barMemory(0);
            var e = assertThrows(
                    DmaMapException.Unsupported.class, () -> space.map(bar, DmaDirection.BIDIRECTIONAL, DmaAttr.MMIO));
            assertTrue(e.getMessage().startsWith("iommufd cannot map MMIO from a user address"), e.getMessage());
            assertTrue(e.getMessage().contains("type1"), "names the backend that can: " + e.getMessage());
            assertTrue(space.mappings().isEmpty());
            // Refused before the allocator: the next mapping gets the IOVA the refused one would have had.
            try (DmaBuffer ram = space.allocate(bar.byteSize());
                    DmaMapping first = space.map(ram, DmaDirection.BIDIRECTIONAL)) {
                Iova expected = first.iova();
                first.close();
                assertThrows(
                        DmaMapException.Unsupported.class,
                        () -> space.map(bar, DmaDirection.BIDIRECTIONAL, DmaAttr.MMIO));
                try (DmaMapping again = space.map(ram, DmaDirection.BIDIRECTIONAL)) {
                    assertEquals(expected, again.iova());
                }
            }
        }
    }

    /**
     * Why: IOMMU_IOAS_MAP pins the user pages behind the address, and a BAR mmap (VM_PFNMAP) has
     * none. Raw ioctls, with the device attached so that the IOAS has a domain to fill (without
     * one the kernel pins nothing at map time).
     */
    @Test
    void theKernelRefusesABarsUserAddressInIoasMap() {
        Guest.requireAny("iommufd", "p2p");
        try (IommufdTest.Ioas ioas = new IommufdTest.Ioas();
                RawVfioDevice dev = ioas.bindAndAttach()) {
            MemorySegment bar0 = NvmeChecks.mapBar0(dev);
            var e = assertThrows(ErrnoException.class, () -> ioas.map(bar0.asSlice(0, 4096), IommufdTest.IOVA));
            System.out.println("IOMMU_IOAS_MAP of a BAR mmap: " + e.getMessage());
        }
    }
}
