package org.dma4j.iommu;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;
import org.dma4j.Iova;
import org.dma4j.MemoryKind;
import org.dma4j.PageSize;
import org.dma4j.mem.DmaBuffer;

/**
 * A device's DMA address space: what it may reach and at which IOVA. Backends: a VFIO type1
 * container, an iommufd IOAS, VFIO's no-IOMMU mode (IOVA = physical address) and the fake
 * IOMMU of {@code org.dma4j.fake}; {@link DmaSpaces} opens the right one. Mappings are made
 * from memory, a direction and attributes, as the kernel's {@code dma_map_phys}; there are no
 * page objects. The IOVA is chosen by dma4j's allocator unless the caller fixes it.
 *
 * <p>Who closes it: the opener ({@link DmaSpaces#open}, a backend's {@code open}, or a
 * {@code VfioPciDevice} opened from its address alone, which closes the space it opened). Devices
 * opened into a caller's space never close it, and any number of them may share it. Close it
 * last: after its devices, mappings and buffers. Any other order is safe too: {@link #close()}
 * first turns off the DMA of every device still open in it, then unmaps everything still mapped,
 * newest first (each reported as a leak; a later {@code close()} of such a mapping is harmless),
 * and releases the backend. Methods are thread-safe; mapping is not a hot path.
 */
public interface DmaSpace extends AutoCloseable {
    /**
     * Allocates {@code bytes} of memory that this space can map for DMA: what the backend needs
     * to keep the device's view of it stable (pinned by the IOMMU, or physically contiguous
     * hugepages where the device sees physical addresses). Drivers allocate queue and scratch
     * memory here rather than choosing a page kind themselves. The caller owns and closes the
     * buffer. Per backend:
     * <ul>
     * <li>type1, iommufd, fake: {@code bytes} rounded up to 4 KiB, RAM faulted in but not mlocked
     *     ({@link DmaBuffer.Pinning#IOMMU}): the map pins it and charges RLIMIT_MEMLOCK once.
     * <li>no-IOMMU: {@code bytes} rounded up to 2 MiB hugepages
     *     ({@link org.dma4j.MemoryKind#HUGEPAGE_RAM}), each physically contiguous; more than one
     *     are rarely adjacent, so map a buffer over 2 MiB per 2 MiB slice. Every call takes at
     *     least one hugepage, so allocate one area and slice it. Throws
     *     {@code HugepagesUnavailableException} (naming how many to reserve) when too few are free.
     * <li>any other implementation: {@link DmaBuffer#allocate(long)}, locked 4 KiB pages.
     * </ul>
     */
    default DmaBuffer allocate(long bytes) {
        return DmaBuffer.allocate(bytes);
    }

    /** Maps a whole buffer at an IOVA of dma4j's choosing. */
    default DmaMapping map(DmaBuffer buffer, DmaDirection direction, DmaAttr... attrs) {
        return map(buffer, 0, buffer.byteSize(), direction, null, attrs);
    }

    /** Maps a whole buffer at a fixed IOVA. */
    default DmaMapping mapAt(DmaBuffer buffer, Iova iova, DmaDirection direction, DmaAttr... attrs) {
        return map(buffer, 0, buffer.byteSize(), direction, iova, attrs);
    }

    /**
     * Maps {@code length} bytes of {@code buffer} from {@code offset}, both page aligned, at
     * {@code iova} (null: dma4j chooses). The mapping is undone if the buffer closes first.
     */
    DmaMapping map(DmaBuffer buffer, long offset, long length, DmaDirection direction, Iova iova, DmaAttr... attrs);

    /** Maps memory dma4j did not allocate; the caller keeps it pinned and alive while mapped. */
    DmaMapping map(MemorySegment memory, MemoryKind kind, DmaDirection direction, Iova iova, DmaAttr... attrs);

    /**
     * Unmaps a live mapping of this space. A mapping that is gone already (closed, unmapped, or
     * undone by its buffer's close) is refused with {@link DmaMapException.InvalidRequest} naming
     * what unmapped it: a double unmap is a bug. {@link DmaMapping#close()} is the idempotent way.
     */
    void unmap(DmaMapping mapping);

    /** Unmaps exactly [iova, iova + length), which must be one live mapping (as the kernel's unmap). */
    void unmap(Iova iova, long length);

    /** Unmaps every live mapping. */
    void unmapAll();

    /** The live mappings, lowest IOVA first. */
    List<DmaMapping> mappings();

    /**
     * Gives {@code device} (its PCI address, or any name unique in this space) its DMA addressing
     * limit, as the kernel's {@code dma_set_mask}: from now on every IOVA this space hands out,
     * for any of its mappings, lies under the smallest mask of its devices (they share the
     * mappings), a fixed IOVA above it is refused, and no-IOMMU refuses memory above it. Refused
     * ({@link DmaMapException.AboveDmaMask}) when a live mapping already lies above the new
     * mask: set masks before mapping. Setting it again replaces the device's mask.
     */
    void setDmaMask(String device, DmaMask mask);

    /** Forgets {@code device}'s mask (it closed); harmless if it set none or the space is closed. */
    void clearDmaMask(String device);

    /** {@code device}'s own mask ({@link DmaMask#ALL} when it set none). */
    DmaMask dmaMask(String device);

    /** The mask new mappings honour: the smallest of every device's ({@link DmaMask#ALL} when none set one). */
    DmaMask dmaMask();

    /** The IOVA ranges the IOMMU accepts. */
    List<IovaRange> iovaRanges();

    /** The page sizes the IOMMU can map. */
    Set<PageSize> pageSizes();

    /** Which backend this is. */
    Backend backend();

    /** Turns off its devices' DMA, unmaps everything and releases the backend (see above). Idempotent. */
    @Override
    void close();
}
