package org.dma4j.iommu;

import org.dma4j.Iova;

/**
 * How many address bits a device can put on the bus, as the kernel's {@code DMA_BIT_MASK(n)}
 * given to {@code dma_set_mask}: the device reaches IOVAs 0 to {@code 2^bits - 1}. A device gets
 * its mask with {@link DmaSpace#setDmaMask}; every IOVA the space hands out afterwards lies
 * under it (no-IOMMU refuses memory above it). A value; thread-safe.
 *
 * @param bits 12 to 64 address bits
 */
public record DmaMask(int bits) {
    /** No limit: the device addresses all 64 bits (the default of a device that set no mask). */
    public static final DmaMask ALL = new DmaMask(64);

    public DmaMask {
        if (bits < 12 || bits > 64) {
            throw new IllegalArgumentException(
                    "a DMA mask of " + bits + " bits: masks have 12 (one 4 KiB page) to 64 bits");
        }
    }

    public static DmaMask bits(int bits) {
        return new DmaMask(bits);
    }

    /**
     * The mask {@code 2^n - 1} as a device's datasheet (or QEMU's {@code dma_mask} property)
     * gives it; a value that is not all low bits set is refused, as the kernel's masks are.
     */
    public static DmaMask of(long mask) {
        if ((mask & (mask + 1)) != 0 || mask == 0) {
            throw new IllegalArgumentException("DMA mask 0x" + Long.toHexString(mask)
                    + " is not 2^n - 1 (all low bits set)," + " as DMA_BIT_MASK(n) is");
        }
        return new DmaMask(64 - Long.numberOfLeadingZeros(mask));
    }

    /** The highest address the device can put out: {@code 2^bits - 1}. */
    public long mask() {
        return bits == 64 ? -1L : (1L << bits) - 1;
    }

    /** Whether every byte of [iova, iova + length) is at or below the mask ({@code length} positive). */
    public boolean covers(Iova iova, long length) {
        long last = iova.value() + length - 1;
        return length > 0 && Long.compareUnsigned(last, iova.value()) >= 0 && Long.compareUnsigned(last, mask()) <= 0;
    }

    /** The smaller of the two masks. */
    public DmaMask min(DmaMask other) {
        return bits <= other.bits ? this : other;
    }

    @Override
    public String toString() {
        return bits + "-bit DMA mask 0x" + Long.toHexString(mask());
    }
}
