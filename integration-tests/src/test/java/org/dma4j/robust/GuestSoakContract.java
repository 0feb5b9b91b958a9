package org.dma4j.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.dma4j.hil.Guest;
import org.dma4j.iommu.Backend;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.iommu.DmaSpaces;
import org.dma4j.nvme.NvmeController;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Test;

/**
 * The soak on QEMU's NVMe through a real backend: 2 queues on 2 threads for 20 s (TCG is slow;
 * -Ddma4j.soak.seconds in the guest JVM changes it), every byte verified, then no leak: fds,
 * VmLck/VmPin, mmaps, the space's live set.
 */
abstract class GuestSoakContract {
    abstract String variant();

    @Test
    void soak() throws Exception {
        Guest.require(variant());
        String bdf = Guest.nvmeBdf();
        long seconds = Long.getLong("dma4j.soak.seconds", 20);
        long seed = Long.getLong("dma4j.soak.seed", System.nanoTime());
        System.out.println(
                "guest soak on " + variant() + ": seed " + seed + " (replay: -Ddma4j.soak.seed=" + seed + ")");
        Leaks before = Leaks.now();
        Soak.Result r;
        try (DmaSpace space = DmaSpaces.open(Backend.parse(variant()), bdf);
                PciDevice dev = VfioPciDevice.open(PciAddress.parse(bdf), space)) {
            try (NvmeController c = NvmeController.open(dev, Duration.ofSeconds(10), 16, 2)) {
                r = Soak.run(c, space, c.namespaces().get(0), 2, seconds, seed);
            }
            assertEquals(List.of(), space.mappings(), "mappings left after the controller closed");
        }
        System.out.println("guest soak on " + variant() + ": " + r);
        assertTrue(r.ios() > 0);
        assertEquals(List.of(), Leaks.now().grewSince(before), "leaked");
    }
}
