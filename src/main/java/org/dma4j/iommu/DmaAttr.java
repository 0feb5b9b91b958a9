package org.dma4j.iommu;

/** Attributes of a mapping, as the kernel's {@code DMA_ATTR_*}. */
public enum DmaAttr {
    /**
     * The memory is device MMIO (peer-to-peer), not RAM; like {@code DMA_ATTR_MMIO}. Mapping
     * memory of kind MMIO without it is refused, so MMIO is never mapped by accident.
     */
    MMIO
}
