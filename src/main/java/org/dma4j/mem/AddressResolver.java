package org.dma4j.mem;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.dma4j.PageSize;
import org.dma4j.PhysAddr;

/**
 * Resolves CPU memory to physical addresses: {@link Pagemap} on a real kernel, the fake
 * memory's simulated pagemap in tests. The no-IOMMU DMA space maps through one.
 */
public interface AddressResolver {
    /** The physical address of each {@code pageSize} page of {@code range}, in order. */
    List<PhysAddr> resolvePages(MemorySegment range, PageSize pageSize);

    /** The physical address of the byte at {@code at}. */
    default PhysAddr resolve(MemorySegment at) {
        long page = PageSize.SIZE_4K.bytes();
        long offset = at.address() & (page - 1);
        MemorySegment first = org.dma4j.linux.Syscalls.ofAddress(at.address() - offset, page);
        return resolvePages(first, PageSize.SIZE_4K).get(0).plus(offset);
    }

    /** Whether {@code range} is one physically contiguous run (what a device without an IOMMU needs). */
    default boolean isContiguous(MemorySegment range, PageSize pageSize) {
        List<PhysAddr> pages = resolvePages(range, pageSize);
        for (int i = 1; i < pages.size(); i++) {
            if (pages.get(i).value() != pages.get(i - 1).value() + pageSize.bytes()) {
                return false;
            }
        }
        return true;
    }
}
