package org.dma4j.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import org.dma4j.Iova;
import org.dma4j.hil.Guest;
import org.dma4j.hil.NvmeChecks;
import org.dma4j.hil.RawNvme;
import org.dma4j.hil.RawVfioDevice;
import org.dma4j.iommu.internal.VfioDeviceFiles;
import org.dma4j.mem.DmaBuffer;

/**
 * The guest's NVMe controller opened on a DMA space under test, so that QEMU's emulated device
 * (a real, independent implementation) judges the space's mappings: it DMAs Identify data to
 * an IOVA, through the space's IOMMU programming. Its admin queues are mapped through the same
 * space. Closing disables the controller, unmaps the queues and releases the device.
 */
final class GuestNvme implements AutoCloseable {
    private final RawVfioDevice device;
    private final MemorySegment bar0;

    GuestNvme(DmaSpace space) {
        String bdf = Guest.nvmeBdf();
        device = new RawVfioDevice(VfioDeviceFiles.open(space, bdf)); // as the space's backend opens it
        bar0 = NvmeChecks.mapBar0(device);
        device.enableBusMaster();
    }

    /** The controller's BAR0, mapped into this process. */
    MemorySegment bar0() {
        return bar0;
    }

    /** Has the controller DMA its Identify Controller data to {@code target}; returns the completion status. */
    int identifyInto(DmaSpace space, Iova target) {
        try (DmaBuffer queues = space.allocate(2 * 4096);
                DmaMapping sq = space.map(queues, 0, 4096, DmaDirection.BIDIRECTIONAL, null);
                DmaMapping cq = space.map(queues, 4096, 4096, DmaDirection.BIDIRECTIONAL, null)) {
            RawNvme nvme = new RawNvme(
                    bar0, sq.memory(), sq.iova().value(), cq.memory(), cq.iova().value());
            try {
                return nvme.identifyController(target.value());
            } finally {
                nvme.disable(); // no DMA after the queues are unmapped
            }
        }
    }

    /** What Identify Controller wrote, checked in the CPU's view of the mapping. */
    static void assertIdentifyData(MemorySegment id) {
        assertEquals(NvmeChecks.QEMU_VID, Short.toUnsignedInt(id.get(java.lang.foreign.ValueLayout.JAVA_SHORT, 0)));
        assertEquals("QEMU NVMe Ctrl", RawNvme.ascii(id, 24, 40));
    }

    @Override
    public void close() {
        device.close();
    }
}
