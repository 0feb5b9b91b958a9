package org.dma4j;

/** The page sizes x86-64 memory and IOMMUs use: 4 KiB, and the 2 MiB and 1 GiB hugepages. */
public enum PageSize {
    SIZE_4K(4096L, "4 KiB"),
    SIZE_2M(2L << 20, "2 MiB"),
    SIZE_1G(1L << 30, "1 GiB");

    private final long bytes;
    private final String label;

    PageSize(long bytes, String label) {
        this.bytes = bytes;
        this.label = label;
    }

    public long bytes() {
        return bytes;
    }

    /** log2 of the size, as MAP_HUGE_* and MFD_HUGE_* encode it. */
    public int shift() {
        return Long.numberOfTrailingZeros(bytes);
    }

    public boolean isAligned(long value) {
        return (value & (bytes - 1)) == 0;
    }

    /** {@code value} rounded up to a multiple of this size. */
    public long alignUp(long value) {
        return Math.addExact(value, bytes - 1) & -bytes;
    }

    /** Whether this is a hugepage size (larger than the base page). */
    public boolean isHuge() {
        return this != SIZE_4K;
    }

    /** The sysfs directory name of this hugepage size, such as {@code hugepages-2048kB}. */
    public String sysfsName() {
        return "hugepages-" + (bytes >> 10) + "kB";
    }

    @Override
    public String toString() {
        return label;
    }
}
