package org.dma4j.fake;

import org.dma4j.Dma4jException;

/**
 * A DMA bug the fake IOMMU caught, like the kernel's DMA-API debugging but reported to the
 * test: the kind says which rule was broken, the message says where and how.
 */
public class DmaDebugFault extends Dma4jException {
    private static final long serialVersionUID = 1L;

    /** The rules the fake IOMMU checks. */
    public enum Kind {
        /** The device accessed an IOVA that no mapping covers. */
        UNMAPPED_ACCESS,
        /** The device access started inside a mapping and ran past its end. */
        OUT_OF_BOUNDS,
        /** The device wrote into a {@code TO_DEVICE} (read-only) mapping. */
        WRITE_TO_READ_ONLY,
        /** The device read from a {@code FROM_DEVICE} (write-only) mapping. */
        READ_FROM_WRITE_ONLY,
        /** An unmap named an IOVA where no mapping starts, or the wrong size. */
        BAD_UNMAP,
        /** A mapping was unmapped twice. */
        DOUBLE_UNMAP,
        /** A buffer was closed while a mapping of it was live. */
        BUFFER_CLOSED_WHILE_MAPPED,
        /** Mappings were still live when the space closed. */
        LEAK,
        /** The device did DMA while its Bus Master Enable bit was clear. */
        BUS_MASTER_DISABLED,
        /** The driver gave the device an address above what the device can put on the bus (its DMA mask). */
        ABOVE_DMA_MASK,
        /** The driver asked the device for something its spec forbids (a DMA outside its buffer, a bad length). */
        DEVICE_MISUSE
    }

    private final Kind kind;

    public DmaDebugFault(Kind kind, String message) {
        super(kind + ": " + message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
