package org.dma4j.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dma4j.hil.Guest;
import org.dma4j.mem.DmaBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The DmaSpace contract on a real VFIO type1 container. */
@Tag("type1")
class Type1SpaceContractTest extends GuestDmaSpaceContract {
    @Override
    String variant() {
        return "type1";
    }

    @Override
    protected DmaSpace open() {
        Guest.require("type1");
        return VfioType1Space.open(DmaSpaces.group(Guest.nvmeBdf()));
    }

    @Test
    void eachMappingUsesOneOfTheKernelsEntries() {
        VfioType1Space t = (VfioType1Space) space;
        int before = t.mappingsLeft();
        try (DmaBuffer b = DmaBuffer.allocate(8192); DmaMapping m = space.map(b, DmaDirection.TO_DEVICE)) {
            assertEquals(before - 1, t.mappingsLeft());
        }
        assertEquals(before, t.mappingsLeft());
        assertTrue(before > 60000, "dma_entry_limit is 65535 by default: " + before);
    }

    @Test
    void mapsADevicesBarAsMmioForPeerToPeer() {
        try (GuestNvme nvme = new GuestNvme(space)) {
            DmaBuffer bar = DmaBuffer.ofMmio(nvme.bar0().asSlice(0, 4096), "NVMe BAR0");
            assertThrows(DmaMapException.InvalidRequest.class, () -> space.map(bar, DmaDirection.BIDIRECTIONAL),
                    "MMIO without DmaAttr.MMIO");
            try (DmaMapping m = space.map(bar, DmaDirection.BIDIRECTIONAL, DmaAttr.MMIO)) {
                assertEquals(org.dma4j.MemoryKind.MMIO, m.kind());
                assertTrue(m.attrs().contains(DmaAttr.MMIO) && m.isLive());
            }
        }
    }

    @Test
    void autoSelectionPicksIommufdWhenTheCdevExistsAndTheOverrideWins() {
        String bdf = Guest.nvmeBdf();
        assertEquals("iommufd", DmaSpaces.choose(bdf), "/dev/iommu and /dev/vfio/devices exist in this guest");
        System.setProperty(DmaSpaces.PROPERTY, "type1");
        try {
            assertEquals("type1", DmaSpaces.choose(bdf));
        } finally {
            System.clearProperty(DmaSpaces.PROPERTY);
        }
    }
}
