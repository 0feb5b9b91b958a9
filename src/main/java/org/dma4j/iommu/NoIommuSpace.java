package org.dma4j.iommu;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;
import org.dma4j.Iova;
import org.dma4j.MemoryKind;
import org.dma4j.PageSize;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Ioctls;
import org.dma4j.linux.gen.vfio.vfio_h;
import org.dma4j.mem.AddressResolver;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.mem.HugepagesUnavailableException;
import org.dma4j.mem.Pagemap;

/**
 * VFIO's unsafe no-IOMMU mode: there is no IOMMU, the device sees physical addresses, so a
 * mapping's IOVA is its memory's physical address from pagemap. Nothing protects memory from
 * the device, and nothing pins memory for it: the physical address read at map time must stay
 * the memory's for as long as the device may use it. So dma4j maps only hugepage memory
 * ({@link MemoryKind#HUGEPAGE_RAM}), which the kernel does not migrate, as DPDK and SPDK do;
 * ordinary 4 KiB pages are refused even when mlocked, because compaction may move a locked page
 * ({@code vm.compact_unevictable_allowed=1} is the default) and the device would then write into
 * someone else's page. {@link #allocate} returns such memory (2 MiB hugepages). A mapping must
 * also be physically contiguous, and one physical range can be mapped once at a time (its IOVA
 * is its address). MMIO is refused before anything resolves it; resolving never writes memory.
 */
public final class NoIommuSpace extends AbstractDmaSpace {
    /** x86-64 physical addresses have at most 52 bits. */
    private static final List<IovaRange> PHYSICAL = List.of(IovaRange.of(0, (1L << 52) - 1));

    private final VfioContainer container;
    private final AddressResolver resolver;

    private NoIommuSpace(VfioContainer container, AddressResolver resolver) {
        this.container = container;
        this.resolver = resolver;
    }

    /** For tests: a space on {@code container} whose group {@code groupNumber} is {@code group} already. */
    NoIommuSpace(Fd container, Fd group, int groupNumber, AddressResolver resolver) {
        this(new VfioContainer(container, NoIommuSpace::path, NoIommuSpace::missing), resolver);
        this.container.adopt(groupNumber, group);
    }

    private static String path(int group) {
        return "/dev/vfio/noiommu-" + group;
    }

    private static String missing(int group) {
        return path(group) + " does not exist: enable no-IOMMU mode (echo Y >"
                + " /sys/module/vfio/parameters/enable_unsafe_noiommu_mode) and bind the device to vfio-pci";
    }

    /** Opens {@code /dev/vfio/noiommu-N} in a container set to the no-IOMMU "IOMMU". */
    public static NoIommuSpace open(int groupNumber) {
        VfioContainer c = VfioContainer.open(
                groupNumber,
                NoIommuSpace::path,
                NoIommuSpace::missing,
                container -> container.ioctl(Ioctls.VFIO_SET_IOMMU, vfio_h.VFIO_NOIOMMU_IOMMU()));
        try {
            return new NoIommuSpace(c, Pagemap.open());
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The no-IOMMU groups in this container, the one it opened with first. */
    public synchronized List<Integer> groups() {
        return container.groups();
    }

    /**
     * The backend contract's device opener: puts {@code bdf}'s no-IOMMU group into this
     * container if it is not in yet and opens the device ({@code VFIO_GROUP_GET_DEVICE_FD}). The
     * caller owns the returned descriptor.
     */
    @Override
    synchronized Fd openDevice(String bdf) {
        ensureOpen();
        int group = DmaSpaces.group(bdf);
        container.join(group);
        return container.openDevice(group, bdf);
    }

    /**
     * 2 MiB hugepages (rounded up to whole hugepages): what a device that sees physical
     * addresses can use safely, since the kernel does not move them. Each hugepage is physically
     * contiguous; several are rarely adjacent, so a buffer of more than 2 MiB maps as one run only
     * by luck (map refuses it otherwise): map such a buffer per 2 MiB slice. Each call takes at
     * least one hugepage, so allocate larger areas and slice them rather than many small buffers.
     * Throws {@link HugepagesUnavailableException}, naming how to reserve hugepages, when too few
     * are free.
     */
    @Override
    public DmaBuffer allocate(long bytes) {
        ensureOpen();
        try {
            return DmaBuffer.allocate(bytes, PageSize.SIZE_2M);
        } catch (HugepagesUnavailableException e) {
            throw new HugepagesUnavailableException(
                    "no-IOMMU DMA memory must be hugepages (the device sees physical"
                            + " addresses, and only hugepages stay where they are): " + e.getMessage(),
                    e);
        }
    }

    /** Refuses MMIO and 4 KiB RAM, before resolving anything. */
    @Override
    protected void checkMappable(MemorySegment memory, MemoryKind kind, Set<DmaAttr> attrs) {
        String at = "0x" + Long.toHexString(memory.address()) + " +" + memory.byteSize();
        if (kind == MemoryKind.MMIO) {
            throw new DmaMapException.Unsupported("no-IOMMU cannot map MMIO (" + at + "): pagemap does not resolve"
                    + " a BAR's physical address; use the type1 backend for peer-to-peer");
        }
        if (kind == MemoryKind.RAM) {
            throw new DmaMapException.InvalidRequest("no-IOMMU refuses 4 KiB RAM (" + at + "): the device sees physical"
                    + " addresses and nothing pins them, and the kernel may migrate even mlocked 4 KiB pages (compaction),"
                    + " so the device would write into someone else's page; use hugepage memory: space.allocate(bytes)"
                    + " or DmaBuffer.allocate(bytes, PageSize.SIZE_2M) (reserve hugepages: echo N >"
                    + " /proc/sys/vm/nr_hugepages, or hugepages=N on the kernel command line)");
        }
    }

    @Override
    protected String overlapAdvice(DmaMapping live) {
        return "no-IOMMU: the IOVA is the physical address, so memory can be mapped once at a time; use that mapping"
                + " (or a slice of it) or unmap it first";
    }

    @Override
    protected Iova chooseIova(MemorySegment memory, PageSize pageSize, Iova fixed) {
        if (fixed != null && !dmaMask().covers(fixed, memory.byteSize())) {
            throw new DmaMapException.AboveDmaMask(
                    fixed + " +" + memory.byteSize() + " is above the " + dmaMask() + " of " + maskOwner()
                            + ", which cannot address it (and no-IOMMU maps at the physical address only)");
        }
        List<org.dma4j.PhysAddr> pages = resolver.resolvePages(memory, PageSize.SIZE_4K);
        for (int i = 1; i < pages.size(); i++) {
            if (pages.get(i).value() != pages.get(0).value() + i * PageSize.SIZE_4K.bytes()) {
                throw new DmaMapException.InvalidRequest("no-IOMMU: the device sees physical addresses and these "
                        + memory.byteSize() + " bytes are not physically contiguous (page " + i + " breaks the run);"
                        + " map each 2 MiB hugepage by itself");
            }
        }
        Iova physical = Iova.of(pages.get(0).value());
        DmaMask mask = dmaMask();
        if (!mask.covers(physical, memory.byteSize())) {
            throw new DmaMapException.AboveDmaMask("no-IOMMU: the device sees physical addresses, and this memory is at"
                    + " physical 0x" + Long.toHexString(physical.value()) + " +" + memory.byteSize() + ", above the "
                    + mask
                    + " of " + maskOwner() + ", which cannot reach it; use memory below 0x"
                    + Long.toHexString(mask.mask() + 1)
                    + " (hugepages reserved at boot, hugepages=N on the kernel command line, come from low memory first),"
                    + " or an IOMMU backend (type1, iommufd), which maps any memory at an IOVA under the mask");
        }
        if (fixed != null && !fixed.equals(physical)) {
            throw new DmaMapException.InvalidRequest(
                    "no-IOMMU: the IOVA is the physical address " + physical + "; it cannot be " + fixed);
        }
        return physical;
    }

    @Override
    protected void releaseIova(Iova iova, long length) {
        // physical addresses are not handed out, so nothing returns
    }

    @Override
    protected void backendMap(MemorySegment memory, Iova iova, DmaDirection direction, Set<DmaAttr> attrs) {
        // No IOMMU to program; hugetlb pages stay where pagemap saw them.
    }

    @Override
    protected void backendUnmap(Iova iova, long length) {
        // nothing was programmed
    }

    @Override
    protected void backendClose() {
        try {
            if (resolver instanceof Pagemap p) {
                p.close();
            }
        } finally {
            container.close();
        }
    }

    @Override
    public List<IovaRange> iovaRanges() {
        return PHYSICAL;
    }

    @Override
    public Set<PageSize> pageSizes() {
        return Set.of(PageSize.SIZE_4K, PageSize.SIZE_2M, PageSize.SIZE_1G);
    }

    @Override
    public Backend backend() {
        return Backend.NOIOMMU;
    }
}
