package org.dma4j.iommu;

import org.dma4j.Dma4jException;

/** A mapping request the DMA space refuses; subclasses say why. */
public class DmaMapException extends Dma4jException {
    private static final long serialVersionUID = 1L;

    public DmaMapException(String message) {
        super(message);
    }

    public DmaMapException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Zero length, unaligned, outside the valid IOVA ranges, MMIO without {@link DmaAttr#MMIO}, not contiguous. */
    public static class InvalidRequest extends DmaMapException {
        private static final long serialVersionUID = 1L;

        public InvalidRequest(String message) {
            super(message);
        }
    }

    /**
     * A valid request this backend cannot carry out: device MMIO on iommufd (IOMMU_IOAS_MAP pins
     * user pages, and a BAR mmap has none) or on no-IOMMU (no physical address to resolve). The
     * message names a backend that can. Refused before any IOVA is chosen or memory touched.
     */
    public static class Unsupported extends InvalidRequest {
        private static final long serialVersionUID = 1L;

        public Unsupported(String message) {
            super(message);
        }
    }

    /**
     * Memory a device cannot reach: a fixed IOVA above its {@link DmaMask}, or, with no IOMMU,
     * memory whose physical address is above it. The message names the mask and the fix.
     */
    public static class AboveDmaMask extends InvalidRequest {
        private static final long serialVersionUID = 1L;

        public AboveDmaMask(String message) {
            super(message);
        }
    }

    /** A fixed IOVA overlaps a live mapping. */
    public static class IovaConflict extends DmaMapException {
        private static final long serialVersionUID = 1L;

        public IovaConflict(String message) {
            super(message);
        }
    }

    /** No free IOVA range is large enough, or the IOMMU's mapping-entry limit is reached. */
    public static class IovaExhausted extends DmaMapException {
        private static final long serialVersionUID = 1L;

        public IovaExhausted(String message) {
            super(message);
        }

        public IovaExhausted(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
