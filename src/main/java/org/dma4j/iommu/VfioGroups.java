package org.dma4j.iommu;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import org.dma4j.Dma4jException;
import org.dma4j.ErrnoException;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Ioctls;

/** What the two group-based spaces (type1 and no-IOMMU) do with a VFIO group the same way. */
final class VfioGroups {
    private VfioGroups() {}

    /** VFIO_GROUP_SET_CONTAINER: puts {@code group} into {@code container}. */
    static void setContainer(Fd group, Fd container) {
        try (Arena a = Arena.ofConfined()) {
            group.ioctl(Ioctls.VFIO_GROUP_SET_CONTAINER, a.allocateFrom(ValueLayout.JAVA_INT, container.raw()));
        }
    }

    /** VFIO_GROUP_GET_DEVICE_FD for {@code bdf}; the caller owns the returned descriptor. */
    static Fd openDevice(Fd group, int groupNumber, String bdf) {
        try (Arena a = Arena.ofConfined()) {
            return Fd.adopt(group.ioctl(Ioctls.VFIO_GROUP_GET_DEVICE_FD, a.allocateFrom(bdf)), bdf);
        } catch (ErrnoException e) {
            throw new Dma4jException("cannot open VFIO device " + bdf + " in IOMMU group " + groupNumber + ": "
                    + e.getMessage() + (e.errnoName().equals("EBUSY") ? " (another process has it open)" : ""), e);
        }
    }
}
