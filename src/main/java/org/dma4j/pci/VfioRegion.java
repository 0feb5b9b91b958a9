package org.dma4j.pci;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Ioctls;
import org.dma4j.linux.VfioCapChain;
import org.dma4j.linux.gen.vfio.vfio_h;
import org.dma4j.linux.gen.vfio.vfio_region_info;
import org.dma4j.linux.gen.vfio.vfio_region_info_cap_sparse_mmap;
import org.dma4j.linux.gen.vfio.vfio_region_sparse_mmap_area;

/**
 * One VFIO device region (config space, a BAR, the ROM, ...) as {@code VFIO_DEVICE_GET_REGION_INFO}
 * describes it, with its capability chain decoded.
 *
 * @param flags {@code VFIO_REGION_INFO_FLAG_*}
 * @param offset where the region starts in the device fd (for pread, pwrite and mmap)
 * @param sparseAreas the mmappable parts, when only parts are ({@code VFIO_REGION_INFO_CAP_SPARSE_MMAP})
 * @param capabilityIds every capability id in the chain, in order
 */
public record VfioRegion(
        int index, int flags, long size, long offset, List<Area> sparseAreas, List<Integer> capabilityIds) {
    /** A mmappable area of a sparse region. */
    public record Area(long offset, long size) {}

    public boolean readable() {
        return (flags & vfio_h.VFIO_REGION_INFO_FLAG_READ()) != 0;
    }

    public boolean writable() {
        return (flags & vfio_h.VFIO_REGION_INFO_FLAG_WRITE()) != 0;
    }

    public boolean mmappable() {
        return (flags & vfio_h.VFIO_REGION_INFO_FLAG_MMAP()) != 0;
    }

    /** Asks the kernel, again with the size it names when the capability chain needs more room. */
    static VfioRegion query(Fd device, int index) {
        long argsz = vfio_region_info.layout().byteSize();
        while (true) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(argsz, 8);
                vfio_region_info.argsz(s, (int) argsz);
                vfio_region_info.index(s, index);
                device.ioctl(Ioctls.VFIO_DEVICE_GET_REGION_INFO, s);
                if (vfio_region_info.argsz(s) > argsz) {
                    argsz = vfio_region_info.argsz(s);
                    continue;
                }
                return parse(s, index);
            }
        }
    }

    /** Decodes a filled-in {@code vfio_region_info} of {@code s.byteSize()} bytes, capability chain included. */
    static VfioRegion parse(MemorySegment s, int index) {
        int flags = vfio_region_info.flags(s);
        List<Area> areas = new ArrayList<>();
        List<Integer> caps = new ArrayList<>();
        String what = "VFIO_DEVICE_GET_REGION_INFO for region " + index;
        int first = (flags & vfio_h.VFIO_REGION_INFO_FLAG_CAPS()) != 0 ? vfio_region_info.cap_offset(s) : 0;
        for (VfioCapChain.Cap cap :
                VfioCapChain.walk(s, vfio_region_info.layout().byteSize(), first, what)) {
            caps.add(cap.id());
            if (cap.id() == vfio_h.VFIO_REGION_INFO_CAP_SPARSE_MMAP()) {
                MemorySegment c = cap.body();
                long base = vfio_region_info_cap_sparse_mmap.areas$offset();
                long each = vfio_region_sparse_mmap_area.layout().byteSize();
                cap.require(base, what);
                long n = Integer.toUnsignedLong(vfio_region_info_cap_sparse_mmap.nr_areas(c));
                cap.require(base + n * each, what + " (" + n + " sparse mmap areas)");
                for (int i = 0; i < n; i++) {
                    MemorySegment area = c.asSlice(base + i * each, each);
                    areas.add(new Area(
                            vfio_region_sparse_mmap_area.offset(area), vfio_region_sparse_mmap_area.size(area)));
                }
            }
        }
        return new VfioRegion(
                index,
                flags,
                vfio_region_info.size(s),
                vfio_region_info.offset(s),
                List.copyOf(areas),
                List.copyOf(caps));
    }
}
