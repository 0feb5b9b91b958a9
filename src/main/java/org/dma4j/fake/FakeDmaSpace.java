package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.dma4j.Iova;
import org.dma4j.PageSize;
import org.dma4j.iommu.AbstractDmaSpace;
import org.dma4j.iommu.Backend;
import org.dma4j.iommu.DmaAttr;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapException;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.IovaRange;
import org.dma4j.mem.DmaBuffer;

/**
 * A simulated IOMMU: the same {@link org.dma4j.iommu.DmaSpace} as the real backends, with no
 * kernel behind it. It enforces what real kernels enforce (the reported IOVA ranges, page
 * alignment, no overlap, type1's limit of 65535 mappings) and adds DMA-API debug checks: a
 * device access outside every mapping or past a mapping's end, a write to a read-only mapping,
 * a read of a write-only one, a bad or double unmap, a buffer closed while mapped, and
 * mappings leaked at close. Each raises a {@link DmaDebugFault}, or is recorded instead in
 * {@link Mode#RECORD}.
 *
 * <p>Device models reach memory only through {@link #deviceRead}, {@link #deviceWrite} and
 * {@link #translate}, as a real device reaches it only through the IOMMU. Any number of
 * {@link FakePciDevice}s may share one space. Who closes it: the opener, after its devices
 * (closing it first is safe: it turns their bus mastering off, then unmaps). Mappings still
 * live at close are unmapped and reported as a {@code LEAK}. Thread-safe: device models may run
 * on their own threads.
 */
public final class FakeDmaSpace extends AbstractDmaSpace {
    /** What a fault does. */
    public enum Mode {
        /** Throw the fault at the point of the bug (the default). */
        THROW,
        /** Record it in {@link #faults()} and go on (the access is dropped, as a real IOMMU drops it). */
        RECORD
    }

    /**
     * The fake's settings.
     *
     * @param ranges the valid IOVA ranges it reports and enforces
     * @param entryLimit how many mappings may be live (type1's dma_entry_limit)
     * @param mode throw or record faults
     */
    public record Config(List<IovaRange> ranges, int entryLimit, Mode mode) {
        /** Like QEMU's Intel IOMMU under VFIO: 48-bit IOVAs minus the MSI window; 65535 mappings; faults throw. */
        public static Config defaults() {
            return new Config(
                    List.of(IovaRange.of(0, 0xfedf_ffffL), IovaRange.of(0xfef0_0000L, (1L << 48) - 1)),
                    65535,
                    Mode.THROW);
        }

        public Config withMode(Mode m) {
            return new Config(ranges, entryLimit, m);
        }

        public Config withRanges(IovaRange... r) {
            return new Config(List.of(r), entryLimit, mode);
        }

        public Config withEntryLimit(int limit) {
            return new Config(ranges, limit, mode);
        }
    }

    /** A mapping as the IOMMU holds it: [start, start + memory.byteSize()) of IOVA space. */
    private record Entry(long start, MemorySegment memory, DmaDirection direction) {}

    /**
     * Recently translated mappings by IOVA page, direct mapped (1024 slots: pages of different
     * mappings collide only 4 MiB apart): a hit needs no table lookup, which boxes its key.
     */
    private static final int RECENT = 1024;

    private final Config config;
    /** IOVA -> what the IOMMU translates it to. Guarded by itself. */
    private final TreeMap<Long, Entry> table = new TreeMap<>();
    /**
     * Written under the table's lock, read without it: a slot holds null or an immutable entry that
     * was live when it was put there; every unmap clears all slots (mappings never overlap, so a
     * new mapping cannot make a cached entry wrong).
     */
    private final Entry[] recent = new Entry[RECENT];
    /** Unmaps still to fail (guarded by {@code table}). */
    private int failUnmaps;

    private final List<DmaDebugFault> faults = new CopyOnWriteArrayList<>();

    private FakeDmaSpace(Config config) {
        this.config = config;
    }

    public static FakeDmaSpace open() {
        return new FakeDmaSpace(Config.defaults());
    }

    public static FakeDmaSpace open(Config config) {
        return new FakeDmaSpace(config);
    }

    /** The faults recorded so far (in {@link Mode#RECORD}; in THROW mode, also each one thrown). */
    public List<DmaDebugFault> faults() {
        return List.copyOf(faults);
    }

    private void fault(DmaDebugFault.Kind kind, String message) {
        report(new DmaDebugFault(kind, message));
    }

    /** For FakePciDevice: registers a device's DMA switch (see {@code attachDevice}). */
    Runnable attach(String device, Runnable stopDma) {
        return attachDevice(device, stopDma);
    }

    /** Records a fault found by a fake device in front of this IOMMU, and throws it in THROW mode. */
    void report(DmaDebugFault f) {
        faults.add(f);
        if (config.mode() == Mode.THROW) {
            throw f;
        }
    }

    /**
     * RAM as type1 and iommufd return it ({@link DmaBuffer#allocateForIommu}): faulted in, not
     * mlocked, since an IOMMU pins what it maps. The caller owns and closes the buffer.
     */
    @Override
    public DmaBuffer allocate(long bytes) {
        ensureOpen();
        return DmaBuffer.allocateForIommu(bytes);
    }

    // --- device side -------------------------------------------------------------------------

    /**
     * The memory behind [iova, iova + length) for a device access, checked as the IOMMU would:
     * mapped, inside one mapping, with the permission the access needs. Returns null when the
     * access is faulted in RECORD mode (the device must drop it).
     */
    public MemorySegment translate(Iova iova, long length, boolean write) {
        Entry m = lookup(iova.value(), length, write);
        return m == null ? null : m.memory().asSlice(iova.value() - m.start(), length);
    }

    /**
     * The mapping that holds all of [iova, iova + length) with the permission the access needs,
     * or null when the access is faulted in RECORD mode. Allocates nothing when the mapping was
     * translated recently (the usual case: queues and data buffers are reused).
     */
    private Entry lookup(long iova, long length, boolean write) {
        if (length <= 0) {
            throw new IllegalArgumentException("a device access of " + length + " bytes");
        }
        int slot = (int) (iova >>> 12) & (RECENT - 1);
        Entry m = recent[slot];
        if (m == null || iova - m.start() < 0 || iova - m.start() >= m.memory().byteSize()) {
            synchronized (table) {
                Map.Entry<Long, Entry> e = table.floorEntry(iova);
                m = e == null ? null : e.getValue();
                if (m != null && iova - m.start() < m.memory().byteSize()) {
                    recent[slot] = m;
                }
            }
        }
        if (m == null || iova - m.start() >= m.memory().byteSize()) {
            fault(DmaDebugFault.Kind.UNMAPPED_ACCESS, access(Iova.of(iova), length, write) + ": no mapping covers it");
            return null;
        }
        long offset = iova - m.start();
        if (offset + length > m.memory().byteSize()) {
            fault(
                    DmaDebugFault.Kind.OUT_OF_BOUNDS,
                    access(Iova.of(iova), length, write) + " runs "
                            + (offset + length - m.memory().byteSize()) + " bytes past the mapping at "
                            + Iova.of(m.start()) + " of "
                            + m.memory().byteSize() + " bytes");
            return null;
        }
        if (write && !m.direction().deviceWrites()) {
            fault(
                    DmaDebugFault.Kind.WRITE_TO_READ_ONLY,
                    access(Iova.of(iova), length, write) + " into a " + m.direction() + " mapping at "
                            + Iova.of(m.start()));
            return null;
        }
        if (!write && !m.direction().deviceReads()) {
            fault(
                    DmaDebugFault.Kind.READ_FROM_WRITE_ONLY,
                    access(Iova.of(iova), length, write) + " from a " + m.direction() + " mapping at "
                            + Iova.of(m.start()));
            return null;
        }
        return m;
    }

    /** The access, named for a fault message: built only on failure, so a good access allocates no text. */
    private static String access(Iova iova, long length, boolean write) {
        return "device " + (write ? "write" : "read") + " of " + length + " bytes at " + iova;
    }

    /** The device reads {@code into.byteSize()} bytes at {@code iova}; returns false if the access faulted (RECORD mode). */
    public boolean deviceRead(Iova iova, MemorySegment into) {
        return deviceRead(iova.value(), into, 0, into.byteSize());
    }

    /**
     * The device reads {@code length} bytes at {@code iova} into {@code into} from {@code offset};
     * returns false if the access faulted (RECORD mode). Allocates nothing.
     */
    public boolean deviceRead(long iova, MemorySegment into, long offset, long length) {
        Entry m = lookup(iova, length, false);
        if (m == null) {
            return false;
        }
        MemorySegment.copy(m.memory(), iova - m.start(), into, offset, length);
        return true;
    }

    /** The device writes {@code from} at {@code iova}; returns false if the access faulted (RECORD mode). */
    public boolean deviceWrite(Iova iova, MemorySegment from) {
        return deviceWrite(iova.value(), from, 0, from.byteSize());
    }

    /**
     * The device writes {@code length} bytes of {@code from} at {@code offset} to {@code iova};
     * returns false if the access faulted (RECORD mode). Allocates nothing.
     */
    public boolean deviceWrite(long iova, MemorySegment from, long offset, long length) {
        Entry m = lookup(iova, length, true);
        if (m == null) {
            return false;
        }
        MemorySegment.copy(from, offset, m.memory(), iova - m.start(), length);
        return true;
    }

    // --- backend -----------------------------------------------------------------------------

    @Override
    protected void backendMap(MemorySegment memory, Iova iova, DmaDirection direction, Set<DmaAttr> attrs) {
        synchronized (table) {
            if (table.size() >= config.entryLimit()) {
                throw new DmaMapException.IovaExhausted("the IOMMU's mapping limit of " + config.entryLimit()
                        + " is reached (type1's dma_entry_limit)");
            }
            table.put(iova.value(), new Entry(iova.value(), memory, direction));
        }
    }

    @Override
    protected void backendUnmap(Iova iova, long length) {
        synchronized (table) {
            if (failUnmaps > 0) { // as a kernel refusing VFIO_IOMMU_UNMAP_DMA: the IOMMU keeps the mapping
                failUnmaps--;
                throw new DmaMapException("unmap of " + length + " bytes at " + iova + " failed (injected by a test)");
            }
            table.remove(iova.value());
            Arrays.fill(recent, null);
        }
    }

    /** Fault injection: the next {@code n} unmaps fail as a kernel's refused unmap would, leaving the mapping in the IOMMU. */
    public void failUnmaps(int n) {
        synchronized (table) {
            failUnmaps = n;
        }
    }

    @Override
    protected void backendClose() {
        synchronized (table) {
            table.clear();
            Arrays.fill(recent, null);
        }
    }

    @Override
    protected void badUnmap(BadUnmap what, String message) {
        fault(
                what == BadUnmap.ALREADY_UNMAPPED ? DmaDebugFault.Kind.DOUBLE_UNMAP : DmaDebugFault.Kind.BAD_UNMAP,
                message);
    }

    @Override
    protected void bufferClosedWhileMapped(DmaMapping m) {
        fault(
                DmaDebugFault.Kind.BUFFER_CLOSED_WHILE_MAPPED,
                m + " was still mapped when its buffer closed; unmapped it");
    }

    @Override
    protected void leaked(List<DmaMapping> mappings) {
        List<String> each = new ArrayList<>();
        for (DmaMapping m : mappings) {
            each.add(m + " mapped at " + mapSite(m));
        }
        fault(DmaDebugFault.Kind.LEAK, mappings.size() + " mapping(s) still live at close: " + String.join("; ", each));
    }

    private static final Set<String> MAPPING_CODE =
            Set.of("org.dma4j.iommu.DmaMapping", "org.dma4j.iommu.AbstractDmaSpace", "org.dma4j.iommu.DmaSpace");

    /** The first stack frame outside dma4j's mapping code: the caller's map(). */
    private static String mapSite(DmaMapping m) {
        return Arrays.stream(m.mapSite())
                .filter(f -> !MAPPING_CODE.contains(f.getClassName()))
                .findFirst()
                .map(StackTraceElement::toString)
                .orElse("(unknown)");
    }

    @Override
    public List<IovaRange> iovaRanges() {
        return config.ranges();
    }

    @Override
    public Set<PageSize> pageSizes() {
        return Set.of(PageSize.SIZE_4K, PageSize.SIZE_2M, PageSize.SIZE_1G);
    }

    @Override
    public Backend backend() {
        return Backend.FAKE;
    }

    @Override
    public String toString() {
        return "FakeDmaSpace" + mappings().stream().map(Object::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}
