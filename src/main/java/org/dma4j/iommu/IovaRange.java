package org.dma4j.iommu;

import org.dma4j.Dma4jException;
import org.dma4j.Iova;

/** An inclusive range of IOVAs the IOMMU accepts, as VFIO and iommufd report them. */
public record IovaRange(Iova first, Iova last) {
    public IovaRange {
        if (first.compareTo(last) > 0) {
            throw new IllegalArgumentException("empty IOVA range " + first + ".." + last);
        }
    }

    public static IovaRange of(long first, long last) {
        return new IovaRange(Iova.of(first), Iova.of(last));
    }

    /** A range the kernel reported ({@code what} names the ioctl), refused as a malformed answer when empty. */
    static IovaRange reported(long first, long last, String what) {
        if (Long.compareUnsigned(first, last) > 0) {
            throw new Dma4jException(what + " reported an empty IOVA range 0x" + Long.toHexString(first) + "-0x"
                    + Long.toHexString(last));
        }
        return of(first, last);
    }

    /** Whether [iova, iova + length) lies inside this range. */
    public boolean contains(Iova iova, long length) {
        long end = iova.value() + length - 1;
        return Long.compareUnsigned(iova.value(), first.value()) >= 0
                && Long.compareUnsigned(end, iova.value()) >= 0
                && Long.compareUnsigned(end, last.value()) <= 0;
    }

    @Override
    public String toString() {
        return "0x" + Long.toHexString(first.value()) + "-0x" + Long.toHexString(last.value());
    }
}
