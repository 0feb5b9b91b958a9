package org.dma4j.iommu;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dma4j.hil.Guest;
import org.dma4j.mem.DmaBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The DmaSpace contract on a real iommufd IOAS, the device joining through its cdev. */
@Tag("iommufd")
class IommufdSpaceContractTest extends GuestDmaSpaceContract {
    @Override
    String variant() {
        return "iommufd";
    }

    @Override
    protected DmaSpace open() {
        Guest.require("iommufd");
        return IommufdSpace.open();
    }

    @Test
    void refusesMmioWithAReason() {
        try (DmaBuffer ram = DmaBuffer.allocate(4096)) {
            DmaBuffer bar = DmaBuffer.ofMmio(ram.segment(), "a stand-in BAR");
            var e = assertThrows(
                    DmaMapException.Unsupported.class, () -> space.map(bar, DmaDirection.BIDIRECTIONAL, DmaAttr.MMIO));
            assertTrue(e.getMessage().startsWith("iommufd cannot map MMIO from a user address"), e.getMessage());
            assertTrue(space.mappings().isEmpty());
        }
    }
}
