package org.dma4j.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dma4j.hil.Guest;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.mem.Pagemap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The DmaSpace contract in VFIO's no-IOMMU mode: IOVA = physical address. */
@Tag("noiommu")
class NoIommuSpaceContractTest extends GuestDmaSpaceContract {
    @Override
    String variant() {
        return "noiommu";
    }

    @Override
    protected DmaSpace open() {
        Guest.require("noiommu");
        return NoIommuSpace.open(DmaSpaces.group(Guest.nvmeBdf()));
    }

    @Override
    protected DmaBuffer multiPageBuffer(long bytes) {
        return DmaBuffer.allocate(bytes, org.dma4j.PageSize.SIZE_2M); // junit-in-guest reserves hugepages
    }

    @Override
    protected boolean choosesIovas() {
        return false;
    }

    @Test
    void theIovaIsThePhysicalAddress() {
        try (DmaBuffer b = DmaBuffer.allocate(4096); Pagemap p = Pagemap.open();
             DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            assertEquals(p.resolve(b.segment()).value(), m.iova().value());
            assertEquals("noiommu", DmaSpaces.choose(Guest.nvmeBdf()));
        }
    }

    @Test
    void aHugepageMapsAsOneRun() {
        try (DmaBuffer b = multiPageBuffer(2 << 20); Pagemap p = Pagemap.open();
             DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            assertEquals(2 << 20, m.length());
            assertTrue(p.isContiguous(b.segment(), org.dma4j.PageSize.SIZE_4K));
            assertEquals(p.resolve(b.segment()).value(), m.iova().value());
        }
    }
}
