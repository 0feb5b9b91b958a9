package org.dma4j.iommu;

import static org.dma4j.linux.gen.libc.libc_h.O_RDWR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.dma4j.Dma4jException;
import org.dma4j.Errno;
import org.dma4j.ErrnoException;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Ioctls;
import org.dma4j.linux.gen.vfio.vfio_group_status;
import org.dma4j.linux.gen.vfio.vfio_h;

/** What the two group-based spaces (type1 and no-IOMMU) do with a VFIO group the same way. */
final class VfioGroups {
    private VfioGroups() {}

    /**
     * Opens a group device ({@code /dev/vfio/N} or {@code /dev/vfio/noiommu-N}) and checks that it
     * is viable; EBUSY becomes "another owner has it".
     */
    static Fd open(String path, int groupNumber) {
        Fd group;
        try {
            group = Fd.open(path, O_RDWR());
        } catch (ErrnoException e) {
            if (e.is(Errno.EBUSY)) {
                throw e.withHint(path + " is open in another process (or another container); VFIO lets one owner"
                        + " have a group at a time");
            }
            throw e;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(vfio_group_status.layout());
            vfio_group_status.argsz(st, (int) st.byteSize());
            group.ioctl(Ioctls.VFIO_GROUP_GET_STATUS, st);
            if ((vfio_group_status.flags(st) & vfio_h.VFIO_GROUP_FLAGS_VIABLE()) == 0) {
                throw new Dma4jException("IOMMU group " + groupNumber + " is not viable: every device in"
                        + " /sys/kernel/iommu_groups/" + groupNumber + "/devices must be bound to vfio-pci, pci-stub,"
                        + " pcieport (bridges) or no driver");
            }
            return group;
        } catch (RuntimeException e) {
            group.close();
            throw e;
        }
    }

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
            throw e.withHint("cannot open VFIO device " + bdf + " in IOMMU group " + groupNumber
                    + (e.is(Errno.EBUSY) ? " (another process has it open)" : ""));
        }
    }
}
