package org.dma4j.iommu;

import java.lang.foreign.MemorySegment;
import java.util.Set;
import org.dma4j.Iova;
import org.dma4j.MemoryKind;
import org.dma4j.OutOfRangeException;

/**
 * One live IOMMU mapping: memory, the IOVA the device uses for it, its direction and
 * attributes. Made by {@link DmaSpace#map}. Immutable apart from being live; thread-safe.
 *
 * <p>Who closes it: whoever mapped it, by {@link #close()} or {@link DmaSpace#unmap(DmaMapping)}.
 * Three other events unmap it first, each before the memory could go: its buffer's close, its
 * space's {@code unmapAll()} and its space's close. {@link #close()} is harmless on a mapping
 * that is gone already, whatever removed it; {@code space.unmap(mapping)} of one that is gone is
 * a bug (a double unmap, as the kernel's DMA-API debugging calls it) and throws
 * {@link DmaMapException.InvalidRequest} naming what unmapped it ({@link #unmappedBy()}); the fake
 * reports it as a {@code DOUBLE_UNMAP} fault.
 */
public final class DmaMapping implements AutoCloseable {
    private final AbstractDmaSpace space;
    private final MemorySegment memory;
    private final MemoryKind kind;
    private final Iova iova;
    private final DmaDirection direction;
    private final Set<DmaAttr> attrs;
    /** Where it was mapped, for leak reports. */
    final Throwable mappedAt;

    volatile Runnable removeBufferHook;
    /** Creation order in its space: the space's close unmaps the newest first. */
    final long sequence;

    private volatile boolean live = true;
    private volatile String unmappedBy;

    DmaMapping(
            AbstractDmaSpace space,
            long sequence,
            MemorySegment memory,
            MemoryKind kind,
            Iova iova,
            DmaDirection direction,
            Set<DmaAttr> attrs) {
        this.space = space;
        this.sequence = sequence;
        this.memory = memory;
        this.kind = kind;
        this.iova = iova;
        this.direction = direction;
        this.attrs = Set.copyOf(attrs);
        this.mappedAt = new Throwable("mapped here");
    }

    /** The IOVA the device addresses the first byte by. */
    public Iova iova() {
        return iova;
    }

    /** The IOVA of the byte at {@code offset} into this mapping. */
    public Iova iova(long offset) {
        if (offset < 0 || offset >= memory.byteSize()) {
            throw new OutOfRangeException("offset " + offset + " outside a mapping of " + memory.byteSize() + " bytes");
        }
        return iova.plus(offset);
    }

    public long length() {
        return memory.byteSize();
    }

    /** The CPU's view of the mapped memory. */
    public MemorySegment memory() {
        return memory;
    }

    public MemoryKind kind() {
        return kind;
    }

    public DmaDirection direction() {
        return direction;
    }

    public Set<DmaAttr> attrs() {
        return attrs;
    }

    /** The stack of the {@code map} call that made this mapping, for leak reports. */
    public StackTraceElement[] mapSite() {
        return mappedAt.getStackTrace();
    }

    /** Whether the mapping is still in the IOMMU. */
    public boolean isLive() {
        return live;
    }

    /**
     * What unmapped it, while it is gone: {@code "close()"}, {@code "unmap"}, {@code "unmapAll"},
     * {@code "its buffer's close"} or {@code "its space's close"}; null while it is live.
     */
    public String unmappedBy() {
        return unmappedBy;
    }

    void markUnmapped(String by) {
        unmappedBy = by;
        live = false;
    }

    DmaSpace space() {
        return space;
    }

    /**
     * Whether {@code other} was made by the same DMA space as this mapping: a driver checks a
     * caller's mapping against its own queues' with it, so an IOVA of another space is never
     * sent to its device. Allocates nothing.
     */
    public boolean sameSpaceAs(DmaMapping other) {
        return space == other.space;
    }

    /** Unmaps it if it is still live; closing a mapping that is gone (whatever removed it) does nothing. */
    @Override
    public void close() {
        if (live) {
            space.unmapIfLive(this);
        }
    }

    @Override
    public String toString() {
        return "DmaMapping[" + iova + " +" + length() + " " + direction + (attrs.isEmpty() ? "" : " " + attrs)
                + " <- 0x" + Long.toHexString(memory.address()) + (live ? "" : ", unmapped by " + unmappedBy) + "]";
    }
}
