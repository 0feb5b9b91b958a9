package org.dma4j.hil;

import static org.dma4j.linux.gen.libc.libc_h.O_RDWR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.Errno;
import org.dma4j.ErrnoException;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Ioctls;
import org.dma4j.linux.gen.iommufd.iommu_destroy;
import org.dma4j.linux.gen.iommufd.iommu_ioas_alloc;
import org.dma4j.linux.gen.iommufd.iommu_ioas_iova_ranges;
import org.dma4j.linux.gen.iommufd.iommu_ioas_map;
import org.dma4j.linux.gen.iommufd.iommu_ioas_unmap;
import org.dma4j.linux.gen.iommufd.iommu_iova_range;
import org.dma4j.linux.gen.iommufd.iommufd_h;
import org.dma4j.linux.gen.vfio.vfio_device_attach_iommufd_pt;
import org.dma4j.linux.gen.vfio.vfio_device_bind_iommufd;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The raw layer against the real iommufd and the VFIO device cdev, in the IOMMU guest. */
@Tag("iommufd")
class IommufdTest {
    static final long IOVA = 0x20_0000;

    @BeforeEach
    void inGuest() {
        Guest.require("iommufd");
    }

    /** /dev/iommu with one IOAS. */
    static final class Ioas implements AutoCloseable {
        final Fd iommufd = Fd.open("/dev/iommu", O_RDWR());
        final int id;

        Ioas() {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(iommu_ioas_alloc.layout());
                iommu_ioas_alloc.size(s, (int) s.byteSize());
                iommufd.ioctl(Ioctls.IOMMU_IOAS_ALLOC, s);
                id = iommu_ioas_alloc.out_ioas_id(s);
            }
        }

        /** IOMMU_IOAS_IOVA_RANGES: asked once for the count (EMSGSIZE), then with room for all. */
        List<long[]> ranges() {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(iommu_ioas_iova_ranges.layout());
                iommu_ioas_iova_ranges.size(s, (int) s.byteSize());
                iommu_ioas_iova_ranges.ioas_id(s, id);
                var e = assertThrows(ErrnoException.class, () -> iommufd.ioctl(Ioctls.IOMMU_IOAS_IOVA_RANGES, s));
                assertEquals(Errno.EMSGSIZE, e.errno(), "a zero-length array is too small");
                int n = iommu_ioas_iova_ranges.num_iovas(s);
                MemorySegment ranges = iommu_iova_range.allocateArray(n, a);
                iommu_ioas_iova_ranges.allowed_iovas(s, ranges.address());
                iommufd.ioctl(Ioctls.IOMMU_IOAS_IOVA_RANGES, s);
                List<long[]> out = new ArrayList<>();
                for (int i = 0; i < iommu_ioas_iova_ranges.num_iovas(s); i++) {
                    MemorySegment r = iommu_iova_range.asSlice(ranges, i);
                    out.add(new long[] {iommu_iova_range.start(r), iommu_iova_range.last(r)});
                }
                return out;
            }
        }

        /** IOMMU_IOAS_MAP; a negative {@code iova} lets the kernel choose. Returns the IOVA. */
        long map(MemorySegment m, long iova) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(iommu_ioas_map.layout());
                iommu_ioas_map.size(s, (int) s.byteSize());
                int flags = iommufd_h.IOMMU_IOAS_MAP_READABLE() | iommufd_h.IOMMU_IOAS_MAP_WRITEABLE();
                if (iova >= 0) {
                    flags |= iommufd_h.IOMMU_IOAS_MAP_FIXED_IOVA();
                    iommu_ioas_map.iova(s, iova);
                }
                iommu_ioas_map.flags(s, flags);
                iommu_ioas_map.ioas_id(s, id);
                iommu_ioas_map.user_va(s, m.address());
                iommu_ioas_map.length(s, m.byteSize());
                iommufd.ioctl(Ioctls.IOMMU_IOAS_MAP, s);
                return iommu_ioas_map.iova(s);
            }
        }

        long unmap(long iova, long length) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(iommu_ioas_unmap.layout());
                iommu_ioas_unmap.size(s, (int) s.byteSize());
                iommu_ioas_unmap.ioas_id(s, id);
                iommu_ioas_unmap.iova(s, iova);
                iommu_ioas_unmap.length(s, length);
                iommufd.ioctl(Ioctls.IOMMU_IOAS_UNMAP, s);
                return iommu_ioas_unmap.length(s);
            }
        }

        void destroy(int objectId) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(iommu_destroy.layout());
                iommu_destroy.size(s, (int) s.byteSize());
                iommu_destroy.id(s, objectId);
                iommufd.ioctl(Ioctls.IOMMU_DESTROY, s);
            }
        }

        /** Opens the NVMe's cdev, binds it to this iommufd and attaches it to the IOAS. */
        RawVfioDevice bindAndAttach() {
            String cdev = Guest.vfioCdev(Guest.nvmeBdf());
            RawVfioDevice dev = new RawVfioDevice(Fd.open(cdev, O_RDWR()));
            try (Arena a = Arena.ofConfined()) {
                MemorySegment bind = a.allocate(vfio_device_bind_iommufd.layout());
                vfio_device_bind_iommufd.argsz(bind, (int) bind.byteSize());
                vfio_device_bind_iommufd.iommufd(bind, iommufd.raw());
                dev.fd.ioctl(Ioctls.VFIO_DEVICE_BIND_IOMMUFD, bind);
                MemorySegment attach = a.allocate(vfio_device_attach_iommufd_pt.layout());
                vfio_device_attach_iommufd_pt.argsz(attach, (int) attach.byteSize());
                vfio_device_attach_iommufd_pt.pt_id(attach, id);
                dev.fd.ioctl(Ioctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach);
                return dev;
            } catch (RuntimeException e) {
                dev.close();
                throw e;
            }
        }

        @Override
        public void close() {
            iommufd.close(); // destroys the IOAS and every mapping in it
        }
    }

    @Test
    void ioasAllocRangesMapUnmapDestroy() {
        try (Ioas ioas = new Ioas();
                DmaPages pages = new DmaPages(4)) {
            List<long[]> ranges = ioas.ranges();
            assertTrue(!ranges.isEmpty(), "at least one allowed IOVA range");
            assertTrue(
                    ranges.stream()
                            .anyMatch(r -> Long.compareUnsigned(r[0], IOVA) <= 0
                                    && Long.compareUnsigned(r[1], IOVA + 0xffff) >= 0),
                    "the test IOVA is allowed: " + Guest.ranges(ranges));

            assertEquals(IOVA, ioas.map(pages.memory.asSlice(0, 8192), IOVA), "fixed IOVA");
            long chosen = ioas.map(pages.memory.asSlice(8192, 8192), -1);
            assertNotEquals(IOVA, chosen);
            assertEquals(0, chosen % 4096, "kernel-chosen IOVA is page aligned");
            var e = assertThrows(ErrnoException.class, () -> ioas.map(pages.memory.asSlice(0, 4096), IOVA + 4096));
            assertEquals(Errno.EEXIST, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("IOMMU_IOAS_MAP on /dev/iommu"), e.getMessage());

            assertEquals(8192, ioas.unmap(IOVA, 8192));
            assertEquals(8192, ioas.unmap(chosen, 8192));
            var gone = assertThrows(ErrnoException.class, () -> ioas.unmap(IOVA, 8192));
            assertEquals(Errno.ENOENT, gone.errno(), "nothing mapped there any more");

            ioas.destroy(ioas.id);
            var destroyed = assertThrows(ErrnoException.class, () -> ioas.map(pages.memory, IOVA));
            assertEquals(Errno.ENOENT, destroyed.errno(), destroyed.getMessage());
        }
    }

    @Test
    void cdevBindAttachAndBar0Registers() {
        try (Ioas ioas = new Ioas();
                RawVfioDevice dev = ioas.bindAndAttach()) {
            NvmeChecks.registersReadable(NvmeChecks.mapBar0(dev));
        }
    }

    @Test
    void identifyByDma() {
        try (Ioas ioas = new Ioas();
                RawVfioDevice dev = ioas.bindAndAttach();
                DmaPages pages = new DmaPages(3)) {
            MemorySegment bar0 = NvmeChecks.mapBar0(dev);
            ioas.map(pages.memory, IOVA);
            NvmeChecks.identifyByDma(dev, bar0, pages, new long[] {IOVA, IOVA + 4096, IOVA + 8192});
            ioas.unmap(IOVA, pages.memory.byteSize());
        }
    }

    @Test
    void dmaToAnUnmappedIovaIsADmarFault() {
        try (Ioas ioas = new Ioas();
                RawVfioDevice dev = ioas.bindAndAttach();
                DmaPages pages = new DmaPages(2)) {
            MemorySegment bar0 = NvmeChecks.mapBar0(dev);
            ioas.map(pages.memory, IOVA);
            NvmeChecks.unmappedIovaFaults(dev, bar0, pages, new long[] {IOVA, IOVA + 4096}, 0xbad_0000L);
            ioas.unmap(IOVA, pages.memory.byteSize());
        }
    }
}
