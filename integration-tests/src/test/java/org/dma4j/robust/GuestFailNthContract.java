package org.dma4j.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.Iova;
import org.dma4j.hil.Guest;
import org.dma4j.iommu.Backend;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.iommu.DmaSpaces;
import org.dma4j.iommu.VfioType1Space;
import org.dma4j.linux.SyscallFaults;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Test;

/**
 * fail_nth on a real backend in the guest: every system call of opening the space, opening the
 * device, mapping and unmapping, NVMe bring-up (polled and MSI-X) and I/O queue creation fails
 * once. After each failure the error is typed and names the step, and nothing leaked: fds,
 * VmLck/VmPin, mmaps, the space's live set, and the kernel's own view (type1's dma_avail; for
 * every backend, mapping the same IOVA again succeeds, which it would not if a mapping stayed).
 */
abstract class GuestFailNthContract {
    /** The variant and {@link DmaSpaces} backend name. */
    abstract String variant();

    abstract String backend();

    private String bdf() {
        Guest.require(variant());
        return Guest.nvmeBdf();
    }

    /** Leftovers of {@code space}: live mappings, dma_avail that did not come back, an IOVA still taken in the kernel. */
    private static List<String> leftovers(DmaSpace space, int mappingsBefore, int dmaAvailBefore, Iova probe) {
        List<String> out = new ArrayList<>();
        if (space.mappings().size() != mappingsBefore) {
            out.add(space.mappings().size() + " live mappings, not " + mappingsBefore);
        }
        if (space instanceof VfioType1Space t && t.mappingsLeft() != dmaAvailBefore) {
            out.add("type1 dma_avail " + t.mappingsLeft() + ", not " + dmaAvailBefore);
        }
        if (probe != null) {
            try (DmaBuffer b = space.allocate(4096);
                    DmaMapping m = space.map(b, 0, 4096, DmaDirection.BIDIRECTIONAL, probe)) {
                if (!m.iova().equals(probe)) {
                    out.add("the probe mapped at " + m.iova() + ", not " + probe);
                }
            } catch (RuntimeException e) {
                out.add("the kernel still holds IOVA " + probe + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static int dmaAvail(DmaSpace space) {
        return space instanceof VfioType1Space t ? t.mappingsLeft() : 0;
    }

    @Test
    void openTheSpace() throws Exception {
        String bdf = bdf();
        FailNth.sweep(
                "open the " + backend() + " space",
                SyscallFaults.ALL,
                () -> DmaSpaces.open(Backend.parse(backend()), bdf).close(),
                List::of);
    }

    @Test
    void openTheDevice() throws Exception {
        String bdf = bdf();
        try (DmaSpace space = DmaSpaces.open(Backend.parse(backend()), bdf)) {
            FailNth.sweep(
                    "open the device on " + backend(),
                    SyscallFaults.ALL,
                    () -> VfioPciDevice.open(PciAddress.parse(bdf), space).close(),
                    List::of);
        }
    }

    @Test
    @SuppressWarnings("try") // the device is held open for the sweep: iommufd maps only with a device attached
    void mapAndUnmap() throws Exception {
        String bdf = bdf();
        try (DmaSpace space = DmaSpaces.open(Backend.parse(backend()), bdf);
                PciDevice dev = VfioPciDevice.open(PciAddress.parse(bdf), space)) {
            int avail = dmaAvail(space);
            Iova probe = backend().equals("noiommu")
                    ? null
                    : Iova.of(space.iovaRanges().get(0).first().value() + (1L << 30));
            FailNth.sweep(
                    "allocate, map and unmap on " + backend(),
                    SyscallFaults.ALL,
                    () -> {
                        try (DmaBuffer b = space.allocate(3 * 4096);
                                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
                            assertTrue(m.length() > 0);
                        }
                    },
                    () -> leftovers(space, 0, avail, probe));
        }
    }

    @Test
    void nvmeBringUpPolledAndWithInterrupts() throws Exception {
        String bdf = bdf();
        try (DmaSpace space = DmaSpaces.open(Backend.parse(backend()), bdf);
                PciDevice dev = VfioPciDevice.open(PciAddress.parse(bdf), space)) {
            int avail = dmaAvail(space);
            FailNth.sweep(
                    "NVMe bring-up and close on " + backend(),
                    SyscallFaults.ALL,
                    () -> {
                        try (NvmeController c = NvmeController.open(dev, Duration.ofSeconds(5), 16, 2)) {
                            assertTrue(c.ioQueuesGranted() >= 1);
                        }
                    },
                    () -> leftovers(space, 0, avail, null));
            // Waiting on a vector reads its eventfd as often as the timing asks: reads are left out, creating it is
            // not.
            FailNth.sweep(
                    "NVMe bring-up with MSI-X and close on " + backend(),
                    java.util.EnumSet.complementOf(java.util.EnumSet.of(SyscallFaults.Kind.READ)),
                    () -> {
                        try (NvmeController c = NvmeController.openWithInterrupts(dev, Duration.ofSeconds(5), 16, 2)) {
                            assertTrue(c.usesInterrupts());
                        }
                    },
                    () -> leftovers(space, 0, avail, null));
        }
    }

    @Test
    void ioQueueCreation() throws Exception {
        String bdf = bdf();
        try (DmaSpace space = DmaSpaces.open(Backend.parse(backend()), bdf);
                PciDevice dev = VfioPciDevice.open(PciAddress.parse(bdf), space);
                NvmeController c = NvmeController.open(dev, Duration.ofSeconds(5), 16, 2)) {
            Namespace ns = c.namespaces().get(0);
            int admin = space.mappings().size();
            int avail = dmaAvail(space);
            FailNth.sweep(
                    "I/O queue creation, a read, deletion on " + backend(),
                    SyscallFaults.ALL,
                    () -> {
                        try (IoQueue q = c.createIoQueue(8);
                                DmaBuffer b = space.allocate(4096);
                                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
                            q.read(ns, 0, 1, m, 0);
                        }
                    },
                    () -> leftovers(space, admin, avail, null));
            assertEquals(0, c.resets(), "a failed system call is no reason to reset the controller");
        }
    }
}
