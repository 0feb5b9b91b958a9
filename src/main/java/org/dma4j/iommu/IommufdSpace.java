package org.dma4j.iommu;

import static org.dma4j.linux.gen.libc.libc_h.O_RDWR;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.dma4j.Dma4jException;
import org.dma4j.Errno;
import org.dma4j.ErrnoException;
import org.dma4j.Iova;
import org.dma4j.MemoryKind;
import org.dma4j.PageSize;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Ioctls;
import org.dma4j.linux.gen.iommufd.iommu_ioas_alloc;
import org.dma4j.linux.gen.iommufd.iommu_ioas_iova_ranges;
import org.dma4j.linux.gen.iommufd.iommu_ioas_map;
import org.dma4j.linux.gen.iommufd.iommu_ioas_unmap;
import org.dma4j.linux.gen.iommufd.iommu_iova_range;
import org.dma4j.linux.gen.iommufd.iommufd_h;
import org.dma4j.linux.gen.vfio.vfio_device_attach_iommufd_pt;
import org.dma4j.linux.gen.vfio.vfio_device_bind_iommufd;
import org.dma4j.mem.DmaBuffer;

/**
 * An iommufd I/O address space (IOAS) on {@code /dev/iommu}: the newer path, which VFIO
 * devices join through their cdev ({@code VFIO_DEVICE_BIND_IOMMUFD},
 * {@code VFIO_DEVICE_ATTACH_IOMMUFD_PT}). dma4j chooses every IOVA and maps with
 * {@code IOMMU_IOAS_MAP_FIXED_IOVA}. The valid ranges shrink when a device attaches (its
 * reserved regions), so they are asked of the kernel each time. Several devices may attach to
 * one IOAS ({@link #openDevice} once each): they share every mapping.
 *
 * <p>The opener owns the space and closes it; a device opened into it never does.
 */
public final class IommufdSpace extends AbstractDmaSpace {
    private final Fd iommufd;
    private final int ioasId;

    private IommufdSpace(Fd iommufd, int ioasId) {
        this.iommufd = iommufd;
        this.ioasId = ioasId;
    }

    /** Opens {@code /dev/iommu} and allocates an IOAS. */
    public static IommufdSpace open() {
        Fd fd;
        try {
            fd = Fd.open("/dev/iommu", O_RDWR());
        } catch (ErrnoException e) {
            if (e.is(Errno.ENOENT)) {
                throw new Dma4jException(
                        "/dev/iommu does not exist: this kernel has no IOMMUFD (CONFIG_IOMMUFD);"
                                + " use the type1 backend (Backend.TYPE1, or --iommu type1 on the command line) or boot a kernel built with it",
                        e);
            }
            throw e;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(iommu_ioas_alloc.layout());
            iommu_ioas_alloc.size(s, (int) s.byteSize());
            fd.ioctl(Ioctls.IOMMU_IOAS_ALLOC, s);
            return new IommufdSpace(fd, iommu_ioas_alloc.out_ioas_id(s));
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** The IOAS id, which a device cdev attaches to. */
    public int ioasId() {
        return ioasId;
    }

    /**
     * The backend contract's device opener: opens the VFIO device cdev of {@code bdf}
     * ({@code /dev/vfio/devices/vfioN}), binds it to this iommufd and attaches it to this IOAS,
     * which any number of devices share. The caller owns the returned descriptor; closing it
     * detaches the device and leaves the IOAS and its mappings to the others.
     */
    @Override
    synchronized Fd openDevice(String bdf) {
        ensureOpen();
        Path dir = Path.of("/sys/bus/pci/devices", bdf, "vfio-dev");
        String cdev;
        try (Stream<Path> s = Files.list(dir)) {
            cdev = "/dev/vfio/devices/"
                    + s.findFirst().orElseThrow(IOException::new).getFileName();
        } catch (IOException e) {
            throw new Dma4jException(
                    bdf + " has no VFIO device cdev (" + dir + "): bind it to vfio-pci (dma4j bind " + bdf
                            + ") on a kernel with CONFIG_VFIO_DEVICE_CDEV",
                    e);
        }
        Fd dev = Fd.open(cdev, O_RDWR());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment bind = a.allocate(vfio_device_bind_iommufd.layout());
            vfio_device_bind_iommufd.argsz(bind, (int) bind.byteSize());
            vfio_device_bind_iommufd.iommufd(bind, iommufd.raw());
            dev.ioctl(Ioctls.VFIO_DEVICE_BIND_IOMMUFD, bind);
            MemorySegment attach = a.allocate(vfio_device_attach_iommufd_pt.layout());
            vfio_device_attach_iommufd_pt.argsz(attach, (int) attach.byteSize());
            vfio_device_attach_iommufd_pt.pt_id(attach, ioasId);
            dev.ioctl(Ioctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach);
        } catch (RuntimeException e) {
            dev.close();
            throw e;
        }
        rangesChanged(); // the device's reserved regions are now out of the IOAS
        return dev;
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

    /**
     * Refuses device MMIO up front: IOMMU_IOAS_MAP pins the user pages behind {@code user_va}, and a
     * BAR mmap (VM_PFNMAP) has no pages to pin, so kernels up to at least 6.12 fail it (EFAULT)
     * after dma4j would have chosen an IOVA for it. Mapping MMIO into an IOAS needs a dma-buf
     * of the BAR (IOMMU_IOAS_MAP_FILE), which this kernel's vfio-pci does not export.
     */
    @Override
    protected void checkMappable(MemorySegment memory, MemoryKind kind, Set<DmaAttr> attrs) {
        if (kind == MemoryKind.MMIO) {
            throw new DmaMapException.Unsupported("iommufd cannot map MMIO from a user address (0x"
                    + Long.toHexString(memory.address()) + " +" + memory.byteSize()
                    + "): IOMMU_IOAS_MAP pins user pages"
                    + " and a BAR mmap (VM_PFNMAP) has none; map peer-to-peer MMIO with the type1 backend"
                    + " (-Ddma4j.iommu=type1)");
        }
    }

    @Override
    protected void backendMap(MemorySegment memory, Iova iova, DmaDirection direction, Set<DmaAttr> attrs) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(iommu_ioas_map.layout());
            iommu_ioas_map.size(s, (int) s.byteSize());
            int flags = iommufd_h.IOMMU_IOAS_MAP_FIXED_IOVA()
                    | (direction.deviceReads() ? iommufd_h.IOMMU_IOAS_MAP_READABLE() : 0)
                    | (direction.deviceWrites() ? iommufd_h.IOMMU_IOAS_MAP_WRITEABLE() : 0);
            iommu_ioas_map.flags(s, flags);
            iommu_ioas_map.ioas_id(s, ioasId);
            iommu_ioas_map.user_va(s, memory.address());
            iommu_ioas_map.length(s, memory.byteSize());
            iommu_ioas_map.iova(s, iova.value());
            iommufd.ioctl(Ioctls.IOMMU_IOAS_MAP, s);
        } catch (ErrnoException e) {
            if (e.is(Errno.ENOMEM)) {
                throw new DmaMapException(
                        "pinning " + memory.byteSize() + " bytes for DMA failed: iommufd counts"
                                + " mapped memory against RLIMIT_MEMLOCK; raise it (ulimit -l) or run with CAP_IPC_LOCK",
                        e);
            }
            throw e;
        }
    }

    @Override
    protected void backendUnmap(Iova iova, long length) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(iommu_ioas_unmap.layout());
            iommu_ioas_unmap.size(s, (int) s.byteSize());
            iommu_ioas_unmap.ioas_id(s, ioasId);
            iommu_ioas_unmap.iova(s, iova.value());
            iommu_ioas_unmap.length(s, length);
            iommufd.ioctl(Ioctls.IOMMU_IOAS_UNMAP, s);
        }
    }

    @Override
    protected void backendClose() {
        iommufd.close(); // destroys the IOAS
    }

    /** IOMMU_IOAS_IOVA_RANGES: asked for the count first (EMSGSIZE), then with room for every range. */
    @Override
    public List<IovaRange> iovaRanges() {
        ensureOpen();
        return iovaRanges(ioasId, s -> iommufd.ioctl(Ioctls.IOMMU_IOAS_IOVA_RANGES, s));
    }

    /** How many times the count is asked again when ranges change between two calls. */
    static final int IOVA_RANGES_ATTEMPTS = 5;

    /**
     * The IOMMU_IOAS_IOVA_RANGES exchange with {@code ioctl} standing for the call on the iommufd:
     * the kernel answers EMSGSIZE with the count in {@code num_iovas} when the array is too small.
     */
    static List<IovaRange> iovaRanges(int ioasId, Consumer<MemorySegment> ioctl) {
        String what = "IOMMU_IOAS_IOVA_RANGES";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(iommu_ioas_iova_ranges.layout());
            MemorySegment ranges = MemorySegment.NULL;
            int capacity = 0;
            for (int attempt = 1; ; attempt++) {
                iommu_ioas_iova_ranges.size(s, (int) s.byteSize());
                iommu_ioas_iova_ranges.ioas_id(s, ioasId);
                iommu_ioas_iova_ranges.num_iovas(s, capacity);
                iommu_ioas_iova_ranges.allowed_iovas(s, ranges.address());
                try {
                    ioctl.accept(s);
                    break;
                } catch (ErrnoException e) {
                    if (!e.is(Errno.EMSGSIZE)) {
                        throw e;
                    }
                    if (attempt == IOVA_RANGES_ATTEMPTS) {
                        throw e.withHint("the IOAS's ranges changed on each of " + attempt + " attempts to read them");
                    }
                    capacity = iommu_ioas_iova_ranges.num_iovas(s);
                    if (capacity <= 0) {
                        throw new Dma4jException(what + " said EMSGSIZE but needs " + capacity + " ranges", e);
                    }
                    ranges = iommu_iova_range.allocateArray(capacity, a);
                }
            }
            int n = iommu_ioas_iova_ranges.num_iovas(s);
            if (n < 0 || n > capacity) {
                throw new Dma4jException(what + " reported " + n + " ranges into room for " + capacity);
            }
            List<IovaRange> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                MemorySegment r = iommu_iova_range.asSlice(ranges, i);
                out.add(IovaRange.reported(iommu_iova_range.start(r), iommu_iova_range.last(r), what));
            }
            return List.copyOf(out);
        }
    }

    @Override
    public Set<PageSize> pageSizes() {
        return Set.of(PageSize.SIZE_4K, PageSize.SIZE_2M, PageSize.SIZE_1G); // iommufd splits as the hardware needs
    }

    @Override
    public Backend backend() {
        return Backend.IOMMUFD;
    }
}
