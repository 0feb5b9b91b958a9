package org.dma4j.iommu;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.dma4j.AlreadyClosedException;
import org.dma4j.Iova;
import org.dma4j.MemoryKind;
import org.dma4j.PageSize;
import org.dma4j.iommu.internal.VfioDeviceFiles;
import org.dma4j.linux.Fd;
import org.dma4j.mem.DmaBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backends, sealed: what every DMA space does the same way, above its backend: validating
 * requests, choosing IOVAs ({@link IovaAllocator}), keeping the live mappings, tying them to
 * their buffers, and undoing them on close. A backend supplies {@link #backendMap},
 * {@link #backendUnmap}, {@link #backendClose} and, for VFIO devices, the opening of a device
 * into the space, as libvfn's small backend table ({@code iommu_ctx_ops}). Exactly the
 * {@link Backend}s implement it: nothing above this layer needs to ask which one it has.
 */
public abstract sealed class AbstractDmaSpace implements DmaSpace
        permits VfioType1Space, IommufdSpace, NoIommuSpace, org.dma4j.fake.FakeDmaSpace {
    private static final Logger LOG = LoggerFactory.getLogger(AbstractDmaSpace.class);

    static {
        // The device-opening entries of the contract: for org.dma4j.pci, out of the public API.
        VfioDeviceFiles.install(new VfioDeviceFiles.Opener() {
            @Override
            public Fd open(DmaSpace space, String bdf) {
                return backend(space, bdf).openDevice(bdf);
            }

            @Override
            public Runnable attach(DmaSpace space, String device, Runnable stopDma) {
                return backend(space, device).attachDevice(device, stopDma);
            }
        });
    }

    private static AbstractDmaSpace backend(DmaSpace space, String bdf) {
        return switch (space) {
            case AbstractDmaSpace a -> a;
            default ->
                throw new DmaMapException.InvalidRequest("a VFIO device (" + bdf + ") opens into a DMA space of"
                        + " dma4j's backends (" + java.util.Arrays.toString(Backend.values()) + "), not into "
                        + space.getClass().getName() + "; open one with DmaSpaces.open");
        };
    }

    /**
     * Registers a device opened into this space: {@code stopDma} turns its DMA off (clears Bus
     * Master Enable) and runs if the space closes while the device is still open, before anything
     * is unmapped, so that closing the space first is as safe as closing the device first.
     * Returns what the device runs when it closes (harmless after the space's close).
     */
    protected final synchronized Runnable attachDevice(String name, Runnable stopDma) {
        ensureOpen();
        AttachedDevice d = new AttachedDevice(name, stopDma);
        devices.add(d);
        return () -> {
            synchronized (this) {
                devices.remove(d);
            }
        };
    }

    /** For the permitted backends only (the hierarchy is sealed). */
    protected AbstractDmaSpace() {}

    /**
     * Opens the VFIO device {@code bdf} into this space: type1 and no-IOMMU through its IOMMU
     * group, iommufd through its cdev. The caller owns the returned descriptor; the space stays
     * its opener's. The fake has no VFIO devices (its devices are {@code FakePciDevice}s) and
     * inherits this refusal.
     */
    Fd openDevice(String bdf) {
        ensureOpen();
        throw new DmaMapException.InvalidRequest("the " + backend() + " DMA space has no VFIO devices: " + bdf
                + " cannot open into it (a fake space's devices are FakePciDevices)");
    }

    /** Live mappings by IOVA. Guarded by this. */
    private final TreeMap<Long, DmaMapping> live = new TreeMap<>(Long::compareUnsigned);

    private long mapped;
    /** Devices opened into the space: what stops each one's DMA. Guarded by this. */
    private final List<AttachedDevice> devices = new ArrayList<>();

    private IovaAllocator allocator;
    /** Each device's DMA mask, by the name it set it under. Guarded by this. */
    private final TreeMap<String, DmaMask> masks = new TreeMap<>();

    private boolean closed;

    private record AttachedDevice(String name, Runnable stopDma) {}

    /** What went wrong in an unmap request, for {@link #badUnmap}. */
    protected enum BadUnmap {
        /** No live mapping starts at the IOVA. */
        NOT_MAPPED,
        /** A mapping starts there, with another length. */
        WRONG_SIZE,
        /** The mapping was unmapped before. */
        ALREADY_UNMAPPED
    }

    /** Programs the IOMMU: device address {@code iova} -> {@code memory}, with {@code direction}'s permissions. */
    protected abstract void backendMap(MemorySegment memory, Iova iova, DmaDirection direction, Set<DmaAttr> attrs);

    /** Removes [iova, iova + length) from the IOMMU. */
    protected abstract void backendUnmap(Iova iova, long length);

    /** Releases the backend's descriptors; everything is unmapped already. */
    protected abstract void backendClose();

    /** The smallest page the IOMMU maps: the alignment of every mapping. */
    protected PageSize minPageSize() {
        return PageSize.SIZE_4K;
    }

    /**
     * Refuses memory this backend cannot map safely, before anything resolves or touches it.
     * The kind/attribute agreement is checked already; no-IOMMU overrides this.
     */
    protected void checkMappable(MemorySegment memory, MemoryKind kind, Set<DmaAttr> attrs) {
        // every kind is fine behind an IOMMU
    }

    /** Why a new mapping's IOVA range may overlap a live one, for the error; no-IOMMU overrides it. */
    protected String overlapAdvice(DmaMapping live) {
        return "unmap " + live + " first, or map at another IOVA";
    }

    /**
     * The IOVA for a new mapping: {@code fixed} if given (checked against the valid ranges and
     * the live mappings), else a free aligned range. No-IOMMU overrides this (IOVA = PA).
     */
    protected Iova chooseIova(MemorySegment memory, PageSize pageSize, Iova fixed) {
        IovaAllocator a = allocator();
        DmaMask mask = dmaMask();
        if (fixed != null) {
            if (!minPageSize().isAligned(fixed.value())) {
                throw new DmaMapException.InvalidRequest(fixed + " is not " + minPageSize() + " aligned");
            }
            if (!mask.covers(fixed, memory.byteSize())) {
                throw new DmaMapException.AboveDmaMask(fixed + " +" + memory.byteSize() + " is above the " + mask
                        + " of " + maskOwner() + ", which cannot address it; map at a lower IOVA, or let dma4j choose");
            }
            a.reserve(fixed, memory.byteSize());
            return fixed;
        }
        long align = pageSizes().contains(pageSize)
                ? pageSize.bytes()
                : minPageSize().bytes();
        return a.allocate(memory.byteSize(), align, mask);
    }

    @Override
    public final synchronized void setDmaMask(String device, DmaMask mask) {
        ensureOpen();
        for (DmaMapping m : live.values()) {
            if (!mask.covers(m.iova(), m.length())) {
                throw new DmaMapException.AboveDmaMask(
                        device + " cannot have a " + mask + " on this " + backend() + " space: " + m
                                + " is already above it; set the mask before mapping (as dma_set_mask at probe)");
            }
        }
        masks.put(device, mask);
    }

    @Override
    public final synchronized void clearDmaMask(String device) {
        masks.remove(device);
    }

    @Override
    public final synchronized DmaMask dmaMask(String device) {
        return masks.getOrDefault(device, DmaMask.ALL);
    }

    @Override
    public final synchronized DmaMask dmaMask() {
        DmaMask min = DmaMask.ALL;
        for (DmaMask m : masks.values()) {
            min = min.min(m);
        }
        return min;
    }

    /** Which device's mask is the smallest, for messages ("no device" when none set one). */
    protected final synchronized String maskOwner() {
        DmaMask min = dmaMask();
        return masks.entrySet().stream()
                .filter(e -> e.getValue().equals(min))
                .map(java.util.Map.Entry::getKey)
                .findFirst()
                .orElse("no device");
    }

    /** Returns an IOVA range chosen by {@link #chooseIova} (a failed or undone mapping). */
    protected void releaseIova(Iova iova, long length) {
        allocator().free(iova, length);
    }

    /**
     * The valid ranges changed (a device attached and brought its reserved regions): the
     * allocator starts again from the new ranges with every live mapping reserved in them.
     */
    protected final synchronized void rangesChanged() {
        if (allocator == null) {
            return;
        }
        IovaAllocator fresh = new IovaAllocator(iovaRanges());
        for (DmaMapping m : live.values()) {
            fresh.reserve(m.iova(), m.length());
        }
        allocator = fresh;
    }

    private IovaAllocator allocator() {
        if (allocator == null) {
            allocator = new IovaAllocator(iovaRanges());
        }
        return allocator;
    }

    /** A wrong unmap request: refused with a clear error here; the fake reports a DMA-debug fault. */
    protected void badUnmap(BadUnmap what, String message) {
        throw new DmaMapException.InvalidRequest(message);
    }

    /** Mappings still live at close: logged here with where each was made; the fake reports them. */
    protected void leaked(List<DmaMapping> mappings) {
        for (DmaMapping m : mappings) {
            LOG.warn("{} space closed with {} still mapped", backend(), m, m.mappedAt);
        }
    }

    /** A buffer closed while still mapped: the mapping is undone; the fake also reports it. */
    protected void bufferClosedWhileMapped(DmaMapping m) {
        LOG.warn("{} closed while mapped at {}; unmapping it", m.memory(), m.iova());
    }

    @Override
    public final synchronized DmaMapping map(
            DmaBuffer buffer, long offset, long length, DmaDirection direction, Iova iova, DmaAttr... attrs) {
        MemorySegment all = buffer.segment(); // throws if the buffer is closed
        if (offset < 0 || length <= 0 || offset > all.byteSize() - length) {
            throw new DmaMapException.InvalidRequest("cannot map " + length + " bytes at offset " + offset + " of "
                    + buffer + ": the length must be positive and the range inside the buffer");
        }
        DmaMapping m = mapLocked(all.asSlice(offset, length), buffer.kind(), buffer.pageSize(), direction, iova, attrs);
        m.removeBufferHook = buffer.onClose(() -> {
            synchronized (this) {
                if (m.isLive()) {
                    unmapLocked(m, "its buffer's close"); // first undo it, then report it
                    bufferClosedWhileMapped(m);
                }
            }
        });
        return m;
    }

    @Override
    public final synchronized DmaMapping map(
            MemorySegment memory, MemoryKind kind, DmaDirection direction, Iova iova, DmaAttr... attrs) {
        if (memory.byteSize() <= 0) {
            throw new DmaMapException.InvalidRequest(
                    "cannot map " + memory.byteSize() + " bytes: the length must be positive");
        }
        return mapLocked(memory, kind, PageSize.SIZE_4K, direction, iova, attrs);
    }

    private DmaMapping mapLocked(
            MemorySegment memory,
            MemoryKind kind,
            PageSize pageSize,
            DmaDirection direction,
            Iova fixed,
            DmaAttr[] attrArray) {
        ensureOpen();
        Set<DmaAttr> attrs = attrArray.length == 0 ? Set.of() : EnumSet.copyOf(List.of(attrArray));
        PageSize min = minPageSize();
        if (!min.isAligned(memory.address()) || !min.isAligned(memory.byteSize())) {
            throw new DmaMapException.InvalidRequest("cannot map 0x" + Long.toHexString(memory.address()) + " +"
                    + memory.byteSize() + ": address and length must be " + min + " aligned");
        }
        if (kind == MemoryKind.MMIO && !attrs.contains(DmaAttr.MMIO)) {
            throw new DmaMapException.InvalidRequest("the memory at 0x" + Long.toHexString(memory.address())
                    + " is device MMIO; map it with DmaAttr.MMIO to say so (as the kernel's DMA_ATTR_MMIO)");
        }
        if (kind != MemoryKind.MMIO && attrs.contains(DmaAttr.MMIO)) {
            throw new DmaMapException.InvalidRequest(
                    "DmaAttr.MMIO given for " + kind + " memory: it is for device MMIO only");
        }
        checkMappable(memory, kind, attrs);
        Iova iova = chooseIova(memory, pageSize, fixed);
        DmaMapping clash = overlapping(iova, memory.byteSize());
        if (clash != null) {
            // Live mappings are keyed by IOVA: two at one IOVA would overwrite each other's entry.
            releaseIova(iova, memory.byteSize());
            throw new DmaMapException.IovaConflict(backend() + ": " + iova + " +" + memory.byteSize() + " overlaps "
                    + clash + "; " + overlapAdvice(clash));
        }
        try {
            backendMap(memory, iova, direction, attrs);
        } catch (RuntimeException e) {
            releaseIova(iova, memory.byteSize());
            throw e;
        }
        DmaMapping m = new DmaMapping(this, mapped++, memory, kind, iova, direction, attrs);
        live.put(iova.value(), m);
        LOG.debug("{}: mapped {} bytes of {} at {} ({})", backend(), memory.byteSize(), kind, iova, direction);
        return m;
    }

    /** The live mapping that [iova, iova + length) overlaps, or null. */
    private DmaMapping overlapping(Iova iova, long length) {
        var below = live.floorEntry(iova.value());
        if (below != null
                && Long.compareUnsigned(
                                iova.value() - below.getKey(), below.getValue().length())
                        < 0) {
            return below.getValue();
        }
        var above = live.ceilingEntry(iova.value());
        if (above != null && Long.compareUnsigned(above.getKey() - iova.value(), length) < 0) {
            return above.getValue();
        }
        return null;
    }

    @Override
    public final synchronized void unmap(DmaMapping mapping) {
        ensureOpen();
        if (mapping.space() != this) {
            throw new DmaMapException.InvalidRequest(mapping + " belongs to another DMA space");
        }
        if (!mapping.isLive()) {
            badUnmap(
                    BadUnmap.ALREADY_UNMAPPED,
                    mapping + " was unmapped already, by " + mapping.unmappedBy()
                            + "; a second unmap is a bug (close() a mapping that may be gone: that is harmless)");
            return;
        }
        unmapLocked(mapping, "unmap");
    }

    @Override
    public final synchronized void unmap(Iova iova, long length) {
        ensureOpen();
        DmaMapping m = live.get(iova.value());
        if (m == null) {
            badUnmap(BadUnmap.NOT_MAPPED, "no live mapping starts at " + iova + " (live: " + live.values() + ")");
            return;
        }
        if (m.length() != length) {
            badUnmap(
                    BadUnmap.WRONG_SIZE,
                    "unmap of " + length + " bytes at " + iova + ", but " + m + " is " + m.length() + " bytes");
            return;
        }
        unmapLocked(m, "unmap");
    }

    /** For DmaMapping.close: unmaps if still live, silently otherwise. */
    final synchronized void unmapIfLive(DmaMapping m) {
        if (m.isLive() && !closed) {
            unmapLocked(m, "close()");
        }
    }

    /**
     * Unmaps in the backend first: if that fails, the IOMMU still maps (and the kernel still pins)
     * the memory, so the mapping stays live and its IOVA taken until an unmap or close succeeds;
     * forgetting it would leak the pin and hand the IOVA out again while a device can still use it.
     */
    private void unmapLocked(DmaMapping m, String by) {
        backendUnmap(m.iova(), m.length());
        live.remove(m.iova().value());
        m.markUnmapped(by);
        Runnable hook = m.removeBufferHook;
        if (hook != null) {
            hook.run();
        }
        releaseIova(m.iova(), m.length());
    }

    @Override
    public final synchronized void unmapAll() {
        ensureOpen();
        for (DmaMapping m : new ArrayList<>(live.values())) {
            unmapLocked(m, "unmapAll");
        }
    }

    @Override
    public final synchronized List<DmaMapping> mappings() {
        return List.copyOf(live.values());
    }

    /**
     * Closes the space, safely in any order with its devices and buffers: first every device
     * still open in it stops its DMA (Bus Master Enable cleared; the device stays open, its
     * owner closes it), then the live mappings are unmapped, newest first, each marked gone
     * ({@link DmaMapping#unmappedBy()} says "its space's close") and reported as leaked, then the
     * backend is released. The memory stays its owners' to free, which is now safe. Closing twice
     * is harmless.
     */
    @Override
    public final synchronized void close() {
        if (closed) {
            return;
        }
        RuntimeException first = null;
        try {
            for (AttachedDevice d : devices.reversed()) {
                LOG.warn("the {} DMA space closes before {}: turning its DMA off first", backend(), d.name());
                try {
                    d.stopDma().run();
                } catch (RuntimeException e) {
                    LOG.warn("could not turn off DMA of {}: {}", d.name(), e.toString());
                }
            }
            devices.clear();
            List<DmaMapping> left = new ArrayList<>(live.values());
            left.sort(java.util.Comparator.comparingLong((DmaMapping m) -> m.sequence)
                    .reversed());
            for (DmaMapping m : left) {
                try {
                    unmapLocked(m, "its space's close");
                } catch (RuntimeException e) { // go on: closing the backend releases what is left in the kernel
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            if (!left.isEmpty()) {
                leaked(left);
            }
        } finally {
            closed = true;
            backendClose();
        }
        if (first != null) {
            throw first;
        }
    }

    /** Whether {@link #close()} has not run yet. */
    public final synchronized boolean isOpen() {
        return !closed;
    }

    protected final void ensureOpen() {
        if (closed) {
            throw new AlreadyClosedException("the " + backend() + " DMA space");
        }
    }
}
