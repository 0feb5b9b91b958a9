package org.dma4j.fake;

import java.lang.foreign.MemorySegment;

/**
 * The behaviour of a simulated PCI device, plugged into a {@link FakePciDevice}: it answers the
 * driver's BAR reads and writes and does DMA and raises interrupts through its
 * {@link DeviceContext}, never touching host memory any other way. The fake NVMe controller is one.
 * Calls come from the driver's threads; a model guards its own state.
 */
public interface DeviceModel {
    /** The size of memory BAR {@code index} (0 to 5); 0 when the device has no such BAR. */
    long barSize(int index);

    /** A driver read of {@code width} bytes (1, 2, 4, 8) at an in-bounds, aligned {@code offset}. */
    long read(int bar, long offset, int width);

    /** A driver write. */
    void write(int bar, long offset, int width, long value);

    /**
     * The memory behind BAR {@code index} when that BAR is plain memory rather than registers (as
     * ivshmem's shared-memory BAR2 or a GPU's VRAM window), page aligned and a whole number of
     * pages: what {@link FakePciDevice#barMemory} hands out as peer-to-peer DMA memory, so another
     * fake device's DMA lands in it through the fake IOMMU. Null (the default) for a register BAR,
     * which cannot be a DMA target. The model owns the memory and keeps it until {@link #close()}.
     */
    default MemorySegment barMemory(int index) {
        return null;
    }

    /** Called once, before any access: the model's way to DMA and interrupt. */
    void attach(DeviceContext context);

    /** A function-level reset: back to the power-on state. */
    void reset();

    /** The device is unplugged ({@link FakePciDevice#close()}): stop any thread of the model's own. */
    default void close() {}
}
