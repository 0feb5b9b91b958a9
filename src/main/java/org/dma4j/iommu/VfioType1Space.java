package org.dma4j.iommu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.dma4j.Dma4jException;
import org.dma4j.ErrnoException;
import org.dma4j.Iova;
import org.dma4j.PageSize;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Ioctls;
import org.dma4j.linux.VfioCapChain;
import org.dma4j.linux.gen.vfio.vfio_h;
import org.dma4j.linux.gen.vfio.vfio_iommu_type1_dma_map;
import org.dma4j.linux.gen.vfio.vfio_iommu_type1_dma_unmap;
import org.dma4j.linux.gen.vfio.vfio_iommu_type1_info;
import org.dma4j.linux.gen.vfio.vfio_iommu_type1_info_cap_iova_range;
import org.dma4j.linux.gen.vfio.vfio_iommu_type1_info_dma_avail;
import org.dma4j.linux.gen.vfio.vfio_iova_range;
import org.dma4j.mem.DmaBuffer;

/**
 * A VFIO type1 container ({@code /dev/vfio/vfio}) with the type1v2 IOMMU set: the legacy VFIO
 * path. It opens with one IOMMU group in it; {@link #openDevice} puts the group of each further
 * device into the same container, so every device shares its mappings (the kernel replays them
 * into a joining group's domain). Valid IOVA ranges, page sizes and the number of mappings left
 * ({@code dma_avail}) come from {@code VFIO_IOMMU_GET_INFO}'s capability chain and are read again
 * when a group joins. The kernel pins what is mapped and counts it against RLIMIT_MEMLOCK.
 *
 * <p>The opener owns the space and closes it; a device opened into it never does.
 */
public final class VfioType1Space extends AbstractDmaSpace {
    private final VfioContainer container;
    private volatile List<IovaRange> ranges;
    private volatile Set<PageSize> pageSizes;

    private VfioType1Space(VfioContainer container) {
        this.container = container;
        refreshInfo();
    }

    private void refreshInfo() {
        Info info = info();
        this.ranges = info.ranges;
        this.pageSizes = info.pageSizes;
    }

    private static String path(int group) {
        return "/dev/vfio/" + group;
    }

    private static String missing(int group) {
        return path(group) + " does not exist: no device of IOMMU group " + group
                + " is bound to vfio-pci; bind it first (dma4j bind BDF)";
    }

    /** Opens a container, attaches IOMMU group {@code groupNumber} ({@code /dev/vfio/N}) and sets type1v2. */
    public static VfioType1Space open(int groupNumber) {
        VfioContainer c = VfioContainer.open(groupNumber, VfioType1Space::path, VfioType1Space::missing, container -> {
            if (container.ioctl(Ioctls.VFIO_CHECK_EXTENSION, vfio_h.VFIO_TYPE1v2_IOMMU()) != 1) {
                throw new Dma4jException("this kernel's VFIO has no type1v2 IOMMU (CONFIG_VFIO_IOMMU_TYPE1)");
            }
            container.ioctl(Ioctls.VFIO_SET_IOMMU, vfio_h.VFIO_TYPE1v2_IOMMU());
        });
        try {
            return new VfioType1Space(c);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The IOMMU groups in this container, the one it opened with first. */
    public synchronized List<Integer> groups() {
        return container.groups();
    }

    /**
     * The backend contract's device opener: puts {@code bdf}'s IOMMU group into this container if
     * it is not in yet (its reserved ranges then leave the valid ones), and opens the device
     * ({@code VFIO_GROUP_GET_DEVICE_FD}). The caller owns the returned descriptor.
     */
    @Override
    synchronized Fd openDevice(String bdf) {
        ensureOpen();
        int group = DmaSpaces.group(bdf);
        if (container.join(group)) {
            refreshInfo();
            rangesChanged();
        }
        return container.openDevice(group, bdf);
    }

    /**
     * 4 KiB pages faulted in but not mlocked ({@link DmaBuffer#allocateForIommu}): the map pins
     * them and charges RLIMIT_MEMLOCK once; mlock would charge the same pages a second time. The
     * caller owns and closes the buffer.
     */
    @Override
    public DmaBuffer allocate(long bytes) {
        ensureOpen();
        return DmaBuffer.allocateForIommu(bytes);
    }

    /** How many more mappings the kernel allows ({@code dma_avail}; its dma_entry_limit is 65535 by default). */
    public int mappingsLeft() {
        return info().dmaAvail;
    }

    @Override
    protected void backendMap(MemorySegment memory, Iova iova, DmaDirection direction, Set<DmaAttr> attrs) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(vfio_iommu_type1_dma_map.layout());
            vfio_iommu_type1_dma_map.argsz(s, (int) s.byteSize());
            int flags = (direction.deviceReads() ? vfio_h.VFIO_DMA_MAP_FLAG_READ() : 0)
                    | (direction.deviceWrites() ? vfio_h.VFIO_DMA_MAP_FLAG_WRITE() : 0);
            vfio_iommu_type1_dma_map.flags(s, flags);
            vfio_iommu_type1_dma_map.vaddr(s, memory.address());
            vfio_iommu_type1_dma_map.iova(s, iova.value());
            vfio_iommu_type1_dma_map.size(s, memory.byteSize());
            container.fd().ioctl(Ioctls.VFIO_IOMMU_MAP_DMA, s);
        } catch (ErrnoException e) {
            throw switch (e.errno()) {
                case ENOSPC ->
                    new DmaMapException.IovaExhausted(
                            "the type1 IOMMU's mapping limit is reached"
                                    + " (vfio_iommu_type1 dma_entry_limit, 65535 by default)",
                            e);
                case ENOMEM ->
                    new DmaMapException(
                            "pinning " + memory.byteSize() + " bytes for DMA failed: the"
                                    + " kernel counts mapped memory against RLIMIT_MEMLOCK; raise it (ulimit -l) or run with CAP_IPC_LOCK",
                            e);
                default -> e;
            };
        }
    }

    @Override
    protected void backendUnmap(Iova iova, long length) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(vfio_iommu_type1_dma_unmap.layout());
            vfio_iommu_type1_dma_unmap.argsz(s, (int) s.byteSize());
            vfio_iommu_type1_dma_unmap.iova(s, iova.value());
            vfio_iommu_type1_dma_unmap.size(s, length);
            container.fd().ioctl(Ioctls.VFIO_IOMMU_UNMAP_DMA, s);
            long unmapped = vfio_iommu_type1_dma_unmap.size(s);
            if (unmapped != length) {
                throw new Dma4jException("the kernel unmapped " + unmapped + " of " + length + " bytes at " + iova);
            }
        }
    }

    @Override
    protected void backendClose() {
        container.close(); // the groups leave it, then it goes
    }

    @Override
    public List<IovaRange> iovaRanges() {
        return ranges;
    }

    @Override
    public Set<PageSize> pageSizes() {
        return pageSizes;
    }

    @Override
    public Backend backend() {
        return Backend.TYPE1;
    }

    /** What VFIO_IOMMU_GET_INFO says; {@code dmaAvail} is Integer.MAX_VALUE when the kernel does not count. */
    record Info(long pgsizes, int dmaAvail, List<IovaRange> ranges, Set<PageSize> pageSizes) {}

    /** VFIO_IOMMU_GET_INFO, asked again with the size the kernel names when the capability chain needs room. */
    private Info info() {
        long argsz = vfio_iommu_type1_info.layout().byteSize();
        while (true) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(argsz, 8);
                vfio_iommu_type1_info.argsz(s, (int) argsz);
                container.fd().ioctl(Ioctls.VFIO_IOMMU_GET_INFO, s);
                if (vfio_iommu_type1_info.argsz(s) > argsz) {
                    argsz = vfio_iommu_type1_info.argsz(s);
                    continue;
                }
                return parse(s);
            }
        }
    }

    /** Decodes a filled-in {@code vfio_iommu_type1_info} of {@code s.byteSize()} bytes, capability chain included. */
    static Info parse(MemorySegment s) {
        int flags = vfio_iommu_type1_info.flags(s);
        int dmaAvail = Integer.MAX_VALUE;
        List<IovaRange> ranges = new ArrayList<>();
        String what = "VFIO_IOMMU_GET_INFO";
        int first = (flags & vfio_h.VFIO_IOMMU_INFO_CAPS()) != 0 ? vfio_iommu_type1_info.cap_offset(s) : 0;
        for (VfioCapChain.Cap cap :
                VfioCapChain.walk(s, vfio_iommu_type1_info.layout().byteSize(), first, what)) {
            MemorySegment c = cap.body();
            if (cap.id() == vfio_h.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE()) {
                long base = vfio_iommu_type1_info_cap_iova_range.iova_ranges$offset();
                long each = vfio_iova_range.layout().byteSize();
                cap.require(base, what);
                long n = Integer.toUnsignedLong(vfio_iommu_type1_info_cap_iova_range.nr_iovas(c));
                cap.require(base + n * each, what + " (" + n + " IOVA ranges)");
                for (int i = 0; i < n; i++) {
                    MemorySegment r = c.asSlice(base + i * each, each);
                    ranges.add(IovaRange.reported(vfio_iova_range.start(r), vfio_iova_range.end(r), what));
                }
            } else if (cap.id() == vfio_h.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL()) {
                cap.require(vfio_iommu_type1_info_dma_avail.layout().byteSize(), what);
                dmaAvail = vfio_iommu_type1_info_dma_avail.avail(c);
            }
        }
        if (ranges.isEmpty()) { // kernels before 5.4 report none: the whole 64-bit space
            ranges.add(IovaRange.of(0, -1));
        }
        long pgsizes = vfio_iommu_type1_info.iova_pgsizes(s);
        Set<PageSize> sizes = EnumSet.noneOf(PageSize.class);
        for (PageSize p : PageSize.values()) {
            if ((pgsizes & p.bytes()) != 0) {
                sizes.add(p);
            }
        }
        return new Info(pgsizes, dmaAvail, List.copyOf(ranges), Set.copyOf(sizes));
    }
}
