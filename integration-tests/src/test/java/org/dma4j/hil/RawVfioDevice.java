package org.dma4j.hil;

import static org.dma4j.linux.gen.libc.libc_h.MAP_SHARED;
import static org.dma4j.linux.gen.libc.libc_h.PROT_READ;
import static org.dma4j.linux.gen.libc.libc_h.PROT_WRITE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Ioctls;
import org.dma4j.linux.Syscalls;
import org.dma4j.linux.gen.vfio.vfio_device_info;
import org.dma4j.linux.gen.vfio.vfio_h;
import org.dma4j.linux.gen.vfio.vfio_region_info;

/**
 * A VFIO device fd used through the raw layer only: device info, region info, config space
 * and BAR mmap. The guest tests prove the raw bindings with it before the PCI layer exists.
 * Owns the fd and the arena its mappings live in; close undoes both.
 */
public final class RawVfioDevice implements AutoCloseable {
    public record Region(int index, int flags, long size, long offset, int capOffset) {
        boolean mmappable() {
            return (flags & vfio_h.VFIO_REGION_INFO_FLAG_MMAP()) != 0;
        }
    }

    public final Fd fd;
    private final Arena arena = Arena.ofShared();

    public RawVfioDevice(Fd fd) {
        this.fd = fd;
    }

    /** VFIO_DEVICE_GET_INFO: {flags, num_regions, num_irqs}. */
    public int[] info() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(vfio_device_info.layout());
            vfio_device_info.argsz(s, (int) s.byteSize());
            fd.ioctl(Ioctls.VFIO_DEVICE_GET_INFO, s);
            return new int[] {vfio_device_info.flags(s), vfio_device_info.num_regions(s), vfio_device_info.num_irqs(s)};
        }
    }

    /** VFIO_DEVICE_GET_REGION_INFO, sized again when the kernel asks for room for capabilities. */
    public Region region(int index) {
        long argsz = vfio_region_info.layout().byteSize();
        while (true) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(argsz, 8);
                vfio_region_info.argsz(s, (int) argsz);
                vfio_region_info.index(s, index);
                fd.ioctl(Ioctls.VFIO_DEVICE_GET_REGION_INFO, s);
                int wanted = vfio_region_info.argsz(s);
                if (wanted > argsz) {
                    argsz = wanted; // capability chain does not fit: ask again with the size it named
                    continue;
                }
                return new Region(
                        index,
                        vfio_region_info.flags(s),
                        vfio_region_info.size(s),
                        vfio_region_info.offset(s),
                        vfio_region_info.cap_offset(s));
            }
        }
    }

    /** Maps a region (a BAR) into this process; unmapped when this device closes. */
    public MemorySegment mmap(Region r) {
        return Syscalls.mmap(
                r.size(),
                PROT_READ() | PROT_WRITE(),
                MAP_SHARED(),
                fd.raw(),
                r.offset(),
                arena,
                "region " + r.index() + " of " + fd.name());
    }

    int configRead16(int offset) {
        Region cfg = region(vfio_h.VFIO_PCI_CONFIG_REGION_INDEX());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment b = a.allocate(2);
            fd.pread(b, cfg.offset() + offset);
            return Short.toUnsignedInt(b.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        }
    }

    void configWrite16(int offset, int value) {
        Region cfg = region(vfio_h.VFIO_PCI_CONFIG_REGION_INDEX());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment b = a.allocate(2);
            b.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) value);
            fd.pwrite(b, cfg.offset() + offset);
        }
    }

    /** Sets memory-space and bus-master enable in the PCI command register, so the device may DMA. */
    public void enableBusMaster() {
        configWrite16(0x04, configRead16(0x04) | 0x6);
    }

    @Override
    public void close() {
        arena.close();
        fd.close();
    }
}
