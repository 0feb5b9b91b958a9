package org.dma4j.hil;

import static org.dma4j.linux.gen.libc.libc_h.O_RDWR;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.dma4j.linux.gen.vfio.vfio_group_status;
import org.dma4j.linux.gen.vfio.vfio_h;
import org.dma4j.linux.gen.vfio.vfio_info_cap_header;
import org.dma4j.linux.gen.vfio.vfio_iommu_type1_dma_map;
import org.dma4j.linux.gen.vfio.vfio_iommu_type1_dma_unmap;
import org.dma4j.linux.gen.vfio.vfio_iommu_type1_info;
import org.dma4j.linux.gen.vfio.vfio_iommu_type1_info_cap_iova_range;
import org.dma4j.linux.gen.vfio.vfio_iommu_type1_info_dma_avail;
import org.dma4j.linux.gen.vfio.vfio_iova_range;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The raw layer against the real VFIO type1 container, group and device, in the IOMMU guest. */
@Tag("type1")
class Type1Test {
    static final long IOVA = 0x10_0000;

    @BeforeEach
    void inGuest() {
        Guest.require("type1");
    }

    /** A container with the NVMe's group attached and type1v2 set: the usual open sequence. */
    static final class Setup implements AutoCloseable {
        final Fd container = Fd.open("/dev/vfio/vfio", O_RDWR());
        final Fd group;

        Setup() {
            group = Fd.open("/dev/vfio/" + Guest.iommuGroup(Guest.nvmeBdf()), O_RDWR());
            try (Arena a = Arena.ofConfined()) {
                MemorySegment fd = a.allocateFrom(java.lang.foreign.ValueLayout.JAVA_INT, container.raw());
                group.ioctl(Ioctls.VFIO_GROUP_SET_CONTAINER, fd);
            }
            container.ioctl(Ioctls.VFIO_SET_IOMMU, vfio_h.VFIO_TYPE1v2_IOMMU());
        }

        RawVfioDevice device() {
            try (Arena a = Arena.ofConfined()) {
                int fd = group.ioctl(Ioctls.VFIO_GROUP_GET_DEVICE_FD, a.allocateFrom(Guest.nvmeBdf()));
                return new RawVfioDevice(Fd.adopt(fd, Guest.nvmeBdf()));
            }
        }

        void map(MemorySegment m, long iova) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(vfio_iommu_type1_dma_map.layout());
                vfio_iommu_type1_dma_map.argsz(s, (int) s.byteSize());
                vfio_iommu_type1_dma_map.flags(s, vfio_h.VFIO_DMA_MAP_FLAG_READ() | vfio_h.VFIO_DMA_MAP_FLAG_WRITE());
                vfio_iommu_type1_dma_map.vaddr(s, m.address());
                vfio_iommu_type1_dma_map.iova(s, iova);
                vfio_iommu_type1_dma_map.size(s, m.byteSize());
                container.ioctl(Ioctls.VFIO_IOMMU_MAP_DMA, s);
            }
        }

        /** Returns the bytes the kernel says it unmapped. */
        long unmap(long iova, long size) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(vfio_iommu_type1_dma_unmap.layout());
                vfio_iommu_type1_dma_unmap.argsz(s, (int) s.byteSize());
                vfio_iommu_type1_dma_unmap.iova(s, iova);
                vfio_iommu_type1_dma_unmap.size(s, size);
                container.ioctl(Ioctls.VFIO_IOMMU_UNMAP_DMA, s);
                return vfio_iommu_type1_dma_unmap.size(s);
            }
        }

        /** VFIO_IOMMU_GET_INFO with its capability chain: {pgsizes, dma_avail, ranges...}. */
        Info info() {
            long argsz = vfio_iommu_type1_info.layout().byteSize();
            while (true) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment s = a.allocate(argsz, 8);
                    vfio_iommu_type1_info.argsz(s, (int) argsz);
                    container.ioctl(Ioctls.VFIO_IOMMU_GET_INFO, s);
                    if (vfio_iommu_type1_info.argsz(s) > argsz) {
                        argsz = vfio_iommu_type1_info.argsz(s); // the chain needs more room: call again
                        continue;
                    }
                    return Info.parse(s);
                }
            }
        }

        @Override
        public void close() {
            group.close();
            container.close();
        }
    }

    record Info(int flags, long pgsizes, int dmaAvail, List<long[]> ranges, int caps) {
        static Info parse(MemorySegment s) {
            int flags = vfio_iommu_type1_info.flags(s);
            int dmaAvail = -1;
            int caps = 0;
            List<long[]> ranges = new ArrayList<>();
            int off = (flags & vfio_h.VFIO_IOMMU_INFO_CAPS()) != 0 ? vfio_iommu_type1_info.cap_offset(s) : 0;
            while (off != 0) {
                MemorySegment cap = s.asSlice(off);
                caps++;
                int id = Short.toUnsignedInt(vfio_info_cap_header.id(cap));
                if (id == vfio_h.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE()) {
                    int n = vfio_iommu_type1_info_cap_iova_range.nr_iovas(cap);
                    long base = vfio_iommu_type1_info_cap_iova_range.iova_ranges$offset();
                    for (int i = 0; i < n; i++) {
                        MemorySegment r =
                                cap.asSlice(base + i * vfio_iova_range.layout().byteSize());
                        ranges.add(new long[] {vfio_iova_range.start(r), vfio_iova_range.end(r)});
                    }
                } else if (id == vfio_h.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL()) {
                    dmaAvail = vfio_iommu_type1_info_dma_avail.avail(cap);
                }
                off = vfio_info_cap_header.next(cap);
            }
            return new Info(flags, vfio_iommu_type1_info.iova_pgsizes(s), dmaAvail, ranges, caps);
        }
    }

    @Test
    void apiVersionAndType1v2Extension() {
        try (Fd container = Fd.open("/dev/vfio/vfio", O_RDWR())) {
            assertEquals(vfio_h.VFIO_API_VERSION(), container.ioctl(Ioctls.VFIO_GET_API_VERSION, 0L));
            assertEquals(1, container.ioctl(Ioctls.VFIO_CHECK_EXTENSION, vfio_h.VFIO_TYPE1v2_IOMMU()));
        }
    }

    @Test
    void groupIsViableAndTakesTheContainer() {
        try (Setup s = new Setup();
                Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(vfio_group_status.layout());
            vfio_group_status.argsz(st, (int) st.byteSize());
            s.group.ioctl(Ioctls.VFIO_GROUP_GET_STATUS, st);
            int flags = vfio_group_status.flags(st);
            assertTrue((flags & vfio_h.VFIO_GROUP_FLAGS_VIABLE()) != 0, "viable");
            assertTrue((flags & vfio_h.VFIO_GROUP_FLAGS_CONTAINER_SET()) != 0, "container set");
            // A second VFIO_SET_IOMMU on a container that has one is refused, typed.
            var e = assertThrows(
                    ErrnoException.class, () -> s.container.ioctl(Ioctls.VFIO_SET_IOMMU, vfio_h.VFIO_TYPE1v2_IOMMU()));
            assertTrue(e.getMessage().contains("VFIO_SET_IOMMU on /dev/vfio/vfio"), e.getMessage());
        }
    }

    /** A second owner of a group gets EBUSY, typed, with dma4j's explanation as the hint. */
    @SuppressWarnings("try") // the Setup s is held for its scope (it owns the group)
    @Test
    void aGroupHeldElsewhereIsEbusyTyped() {
        try (Setup s = new Setup()) {
            int group = Integer.parseInt(Guest.iommuGroup(Guest.nvmeBdf()));
            var e = assertThrows(
                    ErrnoException.class,
                    () -> org.dma4j.iommu.VfioType1Space.open(group).close());
            assertEquals(Errno.EBUSY, e.errno(), e.getMessage());
            assertEquals(
                    "failed to open /dev/vfio/" + group + ": Device or resource busy (EBUSY); /dev/vfio/" + group
                            + " is open in another process (or another container); VFIO lets one owner have a group at a time",
                    e.getMessage());
        }
    }

    @Test
    void iommuInfoCapabilityChain() {
        try (Setup s = new Setup()) {
            Info info = s.info();
            assertTrue((info.flags() & vfio_h.VFIO_IOMMU_INFO_PGSIZES()) != 0);
            assertTrue((info.pgsizes() & 4096) != 0, "4 KiB pages: 0x" + Long.toHexString(info.pgsizes()));
            assertTrue(info.caps() >= 2, "IOVA ranges and dma_avail capabilities");
            assertTrue(info.dmaAvail() > 0, "dma_avail " + info.dmaAvail());
            assertTrue(!info.ranges().isEmpty(), "at least one valid IOVA range");
            assertTrue(
                    info.ranges().stream()
                            .anyMatch(r -> Long.compareUnsigned(r[0], IOVA) <= 0
                                    && Long.compareUnsigned(r[1], IOVA + 0xffff) >= 0),
                    "the test IOVA is valid: " + Guest.ranges(info.ranges()));
        }
    }

    @Test
    void mapAndUnmapAPinnedBuffer() {
        try (Setup s = new Setup();
                DmaPages pages = new DmaPages(2)) {
            int before = s.info().dmaAvail();
            s.map(pages.memory, IOVA);
            assertEquals(before - 1, s.info().dmaAvail(), "one mapping uses one dma entry");
            var e = assertThrows(ErrnoException.class, () -> s.map(pages.memory, IOVA + 4096));
            assertEquals(Errno.EEXIST, e.errno(), e.getMessage());
            assertTrue(e.getMessage()
                    .startsWith("failed to ioctl VFIO_IOMMU_MAP_DMA on /dev/vfio/vfio: File exists (EEXIST)"));
            assertEquals(2 * 4096, s.unmap(IOVA, 2 * 4096));
            assertEquals(0, s.unmap(IOVA, 2 * 4096), "nothing left to unmap");
            assertEquals(before, s.info().dmaAvail());
        }
    }

    @Test
    void regionInfoAndBar0Registers() {
        try (Setup s = new Setup();
                RawVfioDevice dev = s.device()) {
            NvmeChecks.registersReadable(NvmeChecks.mapBar0(dev));
        }
    }

    @Test
    void identifyByDma() {
        try (Setup s = new Setup();
                RawVfioDevice dev = s.device();
                DmaPages pages = new DmaPages(3)) {
            MemorySegment bar0 = NvmeChecks.mapBar0(dev);
            s.map(pages.memory, IOVA);
            NvmeChecks.identifyByDma(dev, bar0, pages, new long[] {IOVA, IOVA + 4096, IOVA + 8192});
            s.unmap(IOVA, pages.memory.byteSize());
        }
    }

    @Test
    void dmaToAnUnmappedIovaIsADmarFault() {
        try (Setup s = new Setup();
                RawVfioDevice dev = s.device();
                DmaPages pages = new DmaPages(2)) {
            MemorySegment bar0 = NvmeChecks.mapBar0(dev);
            s.map(pages.memory, IOVA);
            NvmeChecks.unmappedIovaFaults(dev, bar0, pages, new long[] {IOVA, IOVA + 4096}, 0xdea_d000L);
            s.unmap(IOVA, pages.memory.byteSize());
        }
    }
}
