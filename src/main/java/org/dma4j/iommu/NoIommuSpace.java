package org.dma4j.iommu;

import static org.dma4j.linux.gen.libc.libc_h.O_RDWR;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.dma4j.Dma4jException;
import org.dma4j.Iova;
import org.dma4j.PageSize;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Ioctls;
import org.dma4j.linux.gen.vfio.vfio_h;
import org.dma4j.mem.AddressResolver;
import org.dma4j.mem.Pagemap;

/**
 * VFIO's unsafe no-IOMMU mode: there is no IOMMU, the device sees physical addresses, so a
 * mapping's IOVA is its memory's physical address from pagemap. Nothing protects memory from
 * the device. A mapping must be physically contiguous (one hugepage, or one 4 KiB page); dma4j
 * refuses what it cannot guarantee instead of letting the device write elsewhere.
 */
public final class NoIommuSpace extends AbstractDmaSpace {
    /** x86-64 physical addresses have at most 52 bits. */
    private static final List<IovaRange> PHYSICAL = List.of(IovaRange.of(0, (1L << 52) - 1));

    private final Fd container;
    private final Fd group;
    private final int groupNumber;
    private final AddressResolver resolver;

    NoIommuSpace(Fd container, Fd group, int groupNumber, AddressResolver resolver) {
        this.container = container;
        this.group = group;
        this.groupNumber = groupNumber;
        this.resolver = resolver;
    }

    /** Opens {@code /dev/vfio/noiommu-N} in a container set to the no-IOMMU "IOMMU". */
    public static NoIommuSpace open(int groupNumber) {
        String path = "/dev/vfio/noiommu-" + groupNumber;
        if (!Files.exists(Path.of(path))) {
            throw new Dma4jException(path + " does not exist: enable no-IOMMU mode (echo Y >"
                    + " /sys/module/vfio/parameters/enable_unsafe_noiommu_mode) and bind the device to vfio-pci");
        }
        Fd container = Fd.open("/dev/vfio/vfio", O_RDWR());
        Fd group = null;
        Pagemap pagemap = null;
        try {
            group = VfioGroups.open(path, groupNumber);
            VfioGroups.setContainer(group, container);
            container.ioctl(Ioctls.VFIO_SET_IOMMU, vfio_h.VFIO_NOIOMMU_IOMMU());
            pagemap = Pagemap.open();
            return new NoIommuSpace(container, group, groupNumber, pagemap);
        } catch (RuntimeException e) {
            if (pagemap != null) {
                pagemap.close();
            }
            if (group != null) {
                group.close();
            }
            container.close();
            throw e;
        }
    }

    public int groupNumber() {
        return groupNumber;
    }

    Fd group() {
        return group;
    }

    /**
     * Opens the VFIO device {@code bdf} of this space's group ({@code VFIO_GROUP_GET_DEVICE_FD}).
     * For {@code org.dma4j.pci}; the caller owns the returned descriptor.
     */
    @SuppressWarnings("exports")
    public Fd openDevice(String bdf) {
        ensureOpen();
        return VfioGroups.openDevice(group, groupNumber, bdf);
    }

    @Override
    protected Iova chooseIova(MemorySegment memory, PageSize pageSize, Iova fixed) {
        List<org.dma4j.PhysAddr> pages = resolver.resolvePages(memory, PageSize.SIZE_4K);
        for (int i = 1; i < pages.size(); i++) {
            if (pages.get(i).value() != pages.get(0).value() + i * PageSize.SIZE_4K.bytes()) {
                throw new DmaMapException.InvalidRequest("no-IOMMU: the device sees physical addresses and these "
                        + memory.byteSize() + " bytes are not physically contiguous (page " + i + " breaks the run);"
                        + " use a hugepage buffer, or map each 4 KiB page by itself");
            }
        }
        Iova physical = Iova.of(pages.get(0).value());
        if (fixed != null && !fixed.equals(physical)) {
            throw new DmaMapException.InvalidRequest("no-IOMMU: the IOVA is the physical address " + physical
                    + "; it cannot be " + fixed);
        }
        return physical;
    }

    @Override
    protected void releaseIova(Iova iova, long length) {
        // physical addresses are not handed out, so nothing returns
    }

    @Override
    protected void backendMap(MemorySegment memory, Iova iova, DmaDirection direction, Set<DmaAttr> attrs) {
        if (attrs.contains(DmaAttr.MMIO)) {
            throw new DmaMapException.InvalidRequest("no-IOMMU cannot map MMIO: pagemap does not resolve a BAR's"
                    + " physical address; use the type1 backend for peer-to-peer");
        }
        // No IOMMU to program; the memory is pinned by its DmaBuffer.
    }

    @Override
    protected void backendUnmap(Iova iova, long length) {
        // nothing was programmed
    }

    @Override
    protected void backendClose() {
        if (resolver instanceof Pagemap p) {
            p.close();
        }
        group.close();
        container.close();
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
    public String backend() {
        return "noiommu";
    }
}
