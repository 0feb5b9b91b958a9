package org.dma4j.iommu;

/**
 * Which way the data of a mapping flows, as in the kernel's dma-mapping API. It becomes the
 * IOMMU permissions: a device may only read a {@link #TO_DEVICE} mapping and only write a
 * {@link #FROM_DEVICE} one. The fake IOMMU reports any other access as a fault.
 */
public enum DmaDirection {
    /** The CPU writes, the device reads (a command, a write's data): device read-only. */
    TO_DEVICE(true, false),
    /** The device writes, the CPU reads (a completion, a read's data): device write-only. */
    FROM_DEVICE(false, true),
    /** Both ways (queues the device reads and writes). */
    BIDIRECTIONAL(true, true);

    private final boolean deviceReads;
    private final boolean deviceWrites;

    DmaDirection(boolean deviceReads, boolean deviceWrites) {
        this.deviceReads = deviceReads;
        this.deviceWrites = deviceWrites;
    }

    public boolean deviceReads() {
        return deviceReads;
    }

    public boolean deviceWrites() {
        return deviceWrites;
    }
}
