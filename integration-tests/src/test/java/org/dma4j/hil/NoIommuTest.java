package org.dma4j.hil;

import static org.dma4j.linux.gen.libc.libc_h.O_RDWR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dma4j.Errno;
import org.dma4j.ErrnoException;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Ioctls;
import org.dma4j.linux.gen.vfio.vfio_h;
import org.dma4j.linux.gen.vfio.vfio_iommu_type1_dma_map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The raw layer against VFIO's unsafe no-IOMMU mode (guest booted without an IOMMU): the
 * device DMAs to physical addresses, resolved from /proc/self/pagemap, of hugepage memory
 * (a locked 4 KiB page could be migrated while the device still uses its old address).
 */
@Tag("noiommu")
class NoIommuTest {
    @BeforeEach
    void inGuest() {
        Guest.require("noiommu");
    }

    static final class Setup implements AutoCloseable {
        final Fd container = Fd.open("/dev/vfio/vfio", O_RDWR());
        final Fd group = Fd.open("/dev/vfio/noiommu-" + Guest.iommuGroup(Guest.nvmeBdf()), O_RDWR());

        Setup() {
            try (Arena a = Arena.ofConfined()) {
                group.ioctl(Ioctls.VFIO_GROUP_SET_CONTAINER, a.allocateFrom(ValueLayout.JAVA_INT, container.raw()));
            }
            container.ioctl(Ioctls.VFIO_SET_IOMMU, vfio_h.VFIO_NOIOMMU_IOMMU());
        }

        RawVfioDevice device() {
            try (Arena a = Arena.ofConfined()) {
                int fd = group.ioctl(Ioctls.VFIO_GROUP_GET_DEVICE_FD, a.allocateFrom(Guest.nvmeBdf()));
                return new RawVfioDevice(Fd.adopt(fd, Guest.nvmeBdf()));
            }
        }

        @Override
        public void close() {
            group.close();
            container.close();
        }
    }

    @Test
    void noIommuModeIsOnAndOnlyTheNoIommuExtensionWorks() throws Exception {
        assertEquals(
                "Y",
                Files.readString(Path.of("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"))
                        .trim());
        try (Fd container = Fd.open("/dev/vfio/vfio", O_RDWR())) {
            assertEquals(1, container.ioctl(Ioctls.VFIO_CHECK_EXTENSION, vfio_h.VFIO_NOIOMMU_IOMMU()));
        }
        assertTrue(Files.exists(Path.of("/dev/vfio/noiommu-" + Guest.iommuGroup(Guest.nvmeBdf()))));
    }

    @Test
    void containerHasNoDmaMapping() {
        try (Setup s = new Setup();
                DmaPages pages = DmaPages.inHugepage(1);
                Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(vfio_iommu_type1_dma_map.layout());
            vfio_iommu_type1_dma_map.argsz(m, (int) m.byteSize());
            vfio_iommu_type1_dma_map.vaddr(m, pages.memory.address());
            vfio_iommu_type1_dma_map.size(m, 4096);
            var e = assertThrows(ErrnoException.class, () -> s.container.ioctl(Ioctls.VFIO_IOMMU_MAP_DMA, m));
            assertEquals(Errno.ENOTTY, e.errno(), "no-IOMMU has no IOMMU to program: " + e.getMessage());
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
    void identifyByDmaToPhysicalAddresses() {
        try (Setup s = new Setup();
                RawVfioDevice dev = s.device();
                DmaPages pages = DmaPages.inHugepage(3)) {
            MemorySegment bar0 = NvmeChecks.mapBar0(dev);
            NvmeChecks.identifyByDma(
                    dev, bar0, pages, new long[] {pages.physical(0), pages.physical(1), pages.physical(2)});
        }
    }
}
