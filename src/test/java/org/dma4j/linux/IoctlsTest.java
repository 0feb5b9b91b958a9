package org.dma4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.HashSet;
import java.util.Set;
import org.dma4j.linux.gen.iommufd.iommufd_h;
import org.dma4j.linux.gen.vfio.vfio_h;
import org.junit.jupiter.api.Test;

class IoctlsTest {
    @Test
    void javaMacrosMatchTheGeneratedNumbers() {
        // VFIO_GET_API_VERSION is _IO(VFIO_TYPE, VFIO_BASE + 0); IOMMU_IOAS_ALLOC is _IO(IOMMUFD_TYPE,
        // IOMMUFD_CMD_IOAS_ALLOC).
        assertEquals(Ioctls.VFIO_GET_API_VERSION.number(), Ioc.io(vfio_h.VFIO_TYPE(), vfio_h.VFIO_BASE()));
        assertEquals(Ioctls.VFIO_IOMMU_MAP_DMA.number(), Ioc.io(vfio_h.VFIO_TYPE(), vfio_h.VFIO_BASE() + 13));
        assertEquals(
                Ioctls.IOMMU_IOAS_ALLOC.number(), Ioc.io(iommufd_h.IOMMUFD_TYPE(), iommufd_h.IOMMUFD_CMD_IOAS_ALLOC()));
        assertEquals(
                Ioctls.IOMMU_IOAS_MAP.number(), Ioc.io(iommufd_h.IOMMUFD_TYPE(), iommufd_h.IOMMUFD_CMD_IOAS_MAP()));
    }

    @Test
    void encodingOfTheDirectionalMacros() {
        // NVME_IOCTL_ID is _IO('N', 0x40); the others are worked by hand from the _IOC bit layout.
        assertEquals(0x4E40L, Ioc.io('N', 0x40));
        assertEquals(0x8004541BL, Ioc.ior('T', 0x1B, 4));
        assertEquals(0x40045401L, Ioc.iow('T', 0x01, 4));
        assertEquals(0xC0484E41L, Ioc.iowr('N', 0x41, 72)); // NVME_IOCTL_ADMIN_CMD
        assertThrows(IllegalArgumentException.class, () -> Ioc.io(256, 0));
        assertThrows(IllegalArgumentException.class, () -> Ioc.ior('T', 1, 1 << 14));
    }

    @Test
    void everyRequestIsADistinctNoDataIoctlOfTheVfioType() throws Exception {
        Set<Long> seen = new HashSet<>();
        for (Field f : Ioctls.class.getFields()) {
            IoctlRequest r = (IoctlRequest) f.get(null);
            assertEquals(f.getName(), r.name());
            assertTrue(seen.add(r.number()), "duplicate number " + r);
            assertEquals(';', (r.number() >> 8) & 0xff, r + " has the VFIO/IOMMUFD type ';'");
            assertEquals(0, r.number() >>> 16, r + " is an _IO request: no direction, no size");
        }
        assertTrue(seen.size() >= 29);
    }
}
