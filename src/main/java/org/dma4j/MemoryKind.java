package org.dma4j;

/**
 * What kind of memory a DMA buffer is. RAM may be copied, bounced and cached; device MMIO
 * (another device's BAR, for peer-to-peer) must be mapped as MMIO, on purpose: mapping it
 * needs {@code DmaAttr.MMIO}, as the kernel's {@code DMA_ATTR_MMIO}.
 */
public enum MemoryKind {
    /** Ordinary RAM in base (4 KiB) pages, locked. */
    RAM,
    /** RAM in hugepages (2 MiB or 1 GiB), from hugetlbfs. */
    HUGEPAGE_RAM,
    /** A device's memory-mapped I/O region, such as a BAR. */
    MMIO
}
