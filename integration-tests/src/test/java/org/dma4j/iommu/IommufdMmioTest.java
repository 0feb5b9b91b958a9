package org.dma4j.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.dma4j.ErrnoException;
import org.dma4j.Iova;
import org.dma4j.hil.Guest;
import org.dma4j.linux.Ioctls;
import org.dma4j.linux.gen.iommufd.iommu_ioas_map;
import org.dma4j.linux.gen.iommufd.iommufd_h;
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
    @Test
    void aRealBarIsRefusedWithTheReasonBeforeAnyIovaIsTaken() {
        Guest.requireAny("iommufd", "p2p");
        try (IommufdSpace space = IommufdSpace.open();
             VfioPciDevice nvme = VfioPciDevice.open(PciAddress.parse(Guest.nvmeBdf()), space)) {
            DmaBuffer bar = nvme.barMemory(0);
            var e = assertThrows(DmaMapException.Unsupported.class, () -> space.map(bar, DmaDirection.BIDIRECTIONAL, DmaAttr.MMIO));
            assertTrue(e.getMessage().startsWith("iommufd cannot map MMIO from a user address"), e.getMessage());
            assertTrue(e.getMessage().contains("type1"), "names the backend that can: " + e.getMessage());
            assertTrue(space.mappings().isEmpty());
            // Refused before the allocator: the next mapping gets the IOVA the refused one would have had.
            try (DmaBuffer ram = space.allocate(bar.byteSize()); DmaMapping first = space.map(ram, DmaDirection.BIDIRECTIONAL)) {
                Iova expected = first.iova();
                first.close();
                assertThrows(DmaMapException.Unsupported.class, () -> space.map(bar, DmaDirection.BIDIRECTIONAL, DmaAttr.MMIO));
                try (DmaMapping again = space.map(ram, DmaDirection.BIDIRECTIONAL)) {
                    assertEquals(expected, again.iova());
                }
            }
        }
    }

    /** Why: IOMMU_IOAS_MAP pins user pages, and a BAR mmap (VM_PFNMAP) has none; the kernel fails it. */
    @Test
    void theKernelRefusesABarsUserAddressInIoasMap() {
        Guest.requireAny("iommufd", "p2p");
        try (IommufdSpace space = IommufdSpace.open();
             VfioPciDevice nvme = VfioPciDevice.open(PciAddress.parse(Guest.nvmeBdf()), space);
             Arena a = Arena.ofConfined()) {
            MemorySegment bar = nvme.barMemory(0).segment();
            MemorySegment s = a.allocate(iommu_ioas_map.layout());
            iommu_ioas_map.size(s, (int) s.byteSize());
            iommu_ioas_map.flags(s, iommufd_h.IOMMU_IOAS_MAP_FIXED_IOVA() | iommufd_h.IOMMU_IOAS_MAP_READABLE()
                    | iommufd_h.IOMMU_IOAS_MAP_WRITEABLE());
            iommu_ioas_map.ioas_id(s, space.ioasId());
            iommu_ioas_map.user_va(s, bar.address());
            iommu_ioas_map.length(s, 4096);
            iommu_ioas_map.iova(s, 1L << 30);
            var e = assertThrows(ErrnoException.class, () -> space.iommufd().ioctl(Ioctls.IOMMU_IOAS_MAP, s));
            System.out.println("IOMMU_IOAS_MAP of a BAR mmap: " + e.getMessage());
        }
    }
}
