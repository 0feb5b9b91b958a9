package org.dma4j.hil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.dma4j.linux.gen.vfio.vfio_h;

/**
 * Device-side checks every variant shares: the NVMe registers through a BAR0 mmap, an Identify
 * by DMA into mapped memory, and a DMA aimed at an unmapped IOVA. QEMU's NVMe is the judge.
 */
public final class NvmeChecks {
    /** Red Hat's PCI vendor ID, which QEMU's emulated devices carry. */
    public static final int QEMU_VID = 0x1b36;

    private NvmeChecks() {}

    public static MemorySegment mapBar0(RawVfioDevice dev) {
        int[] info = dev.info();
        assertTrue((info[0] & vfio_h.VFIO_DEVICE_FLAGS_PCI()) != 0, "a PCI device");
        assertEquals(vfio_h.VFIO_PCI_NUM_REGIONS(), info[1], "PCI devices have every region index");
        RawVfioDevice.Region bar0 = dev.region(vfio_h.VFIO_PCI_BAR0_REGION_INDEX());
        assertTrue(bar0.size() >= 0x2000, "BAR0 holds registers and doorbells: " + bar0);
        assertTrue(bar0.mmappable(), "BAR0 can be mmapped: " + bar0);
        MemorySegment regs = dev.mmap(bar0);
        assertEquals(bar0.size(), regs.byteSize());
        return regs;
    }

    /** CAP and VS as the NVMe spec defines them, read through the mmap. */
    static void registersReadable(MemorySegment bar0) {
        long cap = Integer.toUnsignedLong(bar0.get(ValueLayout.JAVA_INT, RawNvme.CAP))
                | (long) bar0.get(ValueLayout.JAVA_INT, RawNvme.CAP + 4) << 32;
        int vs = bar0.get(ValueLayout.JAVA_INT, RawNvme.VS);
        assertTrue((cap & 0xffff) >= 1, "CAP.MQES: at least 2 entries per queue");
        assertTrue(((cap >>> 37) & 1) == 1, "CAP.CSS: the NVM command set");
        assertTrue(vs >= 0x00010200, "VS is NVMe 1.2 or later: 0x" + Integer.toHexString(vs));
    }

    /** One Identify Controller by DMA: pages 0, 1 are the admin queues, page 2 the data. */
    static void identifyByDma(RawVfioDevice dev, MemorySegment bar0, DmaPages pages, long[] iova) {
        dev.enableBusMaster();
        RawNvme nvme = new RawNvme(bar0, pages.page(0), iova[0], pages.page(1), iova[1]);
        try {
            MemorySegment id = pages.page(2);
            id.fill((byte) 0);
            assertEquals(0, nvme.identifyController(iova[2]), "Identify status");
            assertEquals(QEMU_VID, Short.toUnsignedInt(id.get(ValueLayout.JAVA_SHORT, 0)), "VID in the DMA'd data");
            assertEquals("dma4j-0", RawNvme.ascii(id, 4, 20), "serial number (tools/hil names it)");
            assertEquals("QEMU NVMe Ctrl", RawNvme.ascii(id, 24, 40), "model number");
        } finally {
            nvme.disable(); // no DMA may follow once the caller unmaps
        }
    }

    /**
     * An Identify whose data pointer is an IOVA nothing is mapped at. QEMU 7.2's NVMe still
     * completes it with status 0, so the judge is the guest kernel's DMAR fault report.
     */
    static void unmappedIovaFaults(RawVfioDevice dev, MemorySegment bar0, DmaPages pages, long[] iova, long unmapped) {
        dev.enableBusMaster();
        int before = Guest.dmarFaults().size();
        RawNvme nvme = new RawNvme(bar0, pages.page(0), iova[0], pages.page(1), iova[1]);
        try {
            nvme.identifyController(unmapped);
        } finally {
            nvme.disable();
        }
        List<String> faults = waitForFaults(before);
        assertFalse(faults.isEmpty(), "a DMAR fault in the kernel log for IOVA 0x" + Long.toHexString(unmapped));
        String hex = Long.toHexString(unmapped);
        assertTrue(faults.stream().anyMatch(l -> l.contains(hex)), "the fault names the IOVA " + hex + ": " + faults);
    }

    private static List<String> waitForFaults(int before) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> all;
        do {
            all = Guest.dmarFaults();
            if (all.size() > before) {
                return all.subList(before, all.size());
            }
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        return List.of();
    }
}
