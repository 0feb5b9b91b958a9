package org.dma4j;

/**
 * A CPU physical address: what the no-IOMMU mode hands a device, what pagemap resolves to.
 * A value, never a bare {@code long} in public signatures, so it cannot be mixed up with a
 * virtual address or an IOVA.
 */
public record PhysAddr(long value) implements Comparable<PhysAddr> {
    public PhysAddr {
        if (value < 0) {
            throw new IllegalArgumentException("physical address must be non-negative: 0x" + Long.toHexString(value));
        }
    }

    public static PhysAddr of(long value) {
        return new PhysAddr(value);
    }

    /** This address plus {@code bytes}. */
    public PhysAddr plus(long bytes) {
        return new PhysAddr(Math.addExact(value, bytes));
    }

    @Override
    public int compareTo(PhysAddr o) {
        return Long.compare(value, o.value);
    }

    @Override
    public String toString() {
        return "PA 0x" + Long.toHexString(value);
    }
}
