package org.dma4j;

/**
 * An I/O virtual address: what a device puts on the bus and the IOMMU translates (with no
 * IOMMU, the physical address itself). Unsigned 64-bit; compared as unsigned. A value type so
 * it cannot be mixed up with a CPU virtual or physical address.
 */
public record Iova(long value) implements Comparable<Iova> {
    public static Iova of(long value) {
        return new Iova(value);
    }

    /** This IOVA plus {@code bytes}, refusing to wrap past 2^64. */
    public Iova plus(long bytes) {
        long v = value + bytes;
        if (Long.compareUnsigned(v, value) < 0) {
            throw new OutOfRangeException(this + " + " + bytes + " wraps past 2^64");
        }
        return new Iova(v);
    }

    @Override
    public int compareTo(Iova o) {
        return Long.compareUnsigned(value, o.value);
    }

    @Override
    public String toString() {
        return "IOVA 0x" + Long.toHexString(value);
    }
}
