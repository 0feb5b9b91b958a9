package org.dma4j.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dma4j.Iova;
import org.dma4j.hil.Guest;
import org.junit.jupiter.api.BeforeEach;

/**
 * The DmaSpace contract on a real backend in the QEMU guest: the device side is QEMU's NVMe
 * doing real DMA, and an access outside every mapping must show up as a DMAR fault in the
 * guest kernel's log (QEMU 7.2's NVMe completes such a command with status 0 all the same).
 */
abstract class GuestDmaSpaceContract extends DmaSpaceContract {
    /** The rig variant this backend runs in. */
    abstract String variant();

    @BeforeEach
    void inGuest() {
        Guest.require(variant());
    }

    @Override
    protected void deviceWritesThrough(DmaMapping mapping) {
        try (GuestNvme nvme = new GuestNvme(space)) {
            assertEquals(0, nvme.identifyInto(space, mapping.iova()), "Identify status");
        }
    }

    @Override
    protected void assertDeviceWrote(DmaMapping mapping) {
        GuestNvme.assertIdentifyData(mapping.memory());
    }

    @Override
    protected void deviceAccessOutsideMappingsIsReported(Iova iova) {
        int before = Guest.dmarFaults().size();
        try (GuestNvme nvme = new GuestNvme(space)) {
            nvme.identifyInto(space, iova);
        }
        List<String> after = Guest.dmarFaults();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (after.size() <= before && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            after = Guest.dmarFaults();
        }
        List<String> fresh = after.subList(before, after.size());
        assertFalse(fresh.isEmpty(), "a DMAR fault for " + iova);
        String hex = Long.toHexString(iova.value());
        assertTrue(fresh.stream().anyMatch(l -> l.contains(hex)), "the fault names " + hex + ": " + fresh);
    }
}
