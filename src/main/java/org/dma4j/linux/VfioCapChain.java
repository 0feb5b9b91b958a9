package org.dma4j.linux;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.Dma4jException;
import org.dma4j.linux.gen.vfio.vfio_info_cap_header;

/**
 * A VFIO capability chain ({@code struct vfio_info_cap_header}s linked by {@code next}, offsets
 * from the start of the info struct), as {@code VFIO_DEVICE_GET_REGION_INFO} and
 * {@code VFIO_IOMMU_GET_INFO} return it. The kernel appends each capability after the last, so a
 * chain that points backwards, into the fixed part or past the buffer is refused rather than
 * followed (it would loop or read out of bounds).
 */
public final class VfioCapChain {
    private static final long HEADER = vfio_info_cap_header.layout().byteSize();

    private VfioCapChain() {}

    /**
     * One capability.
     *
     * @param id its {@code VFIO_*_CAP_*} id
     * @param version its version
     * @param body the capability from its header up to the next one (or the end of the buffer)
     */
    public record Cap(int id, int version, MemorySegment body) {
        /** Throws unless {@code bytes} bytes of this capability lie inside the buffer. */
        public void require(long bytes, String what) {
            if (bytes < 0 || bytes > body.byteSize()) {
                throw new Dma4jException(what + ": capability " + id + " needs " + bytes + " bytes but has "
                        + body.byteSize() + " before the next one or the buffer's end");
            }
        }
    }

    /**
     * The capabilities of {@code info}, in chain order.
     *
     * @param info the whole buffer the kernel filled ({@code argsz} bytes)
     * @param fixedSize the size of the info struct before any capability
     * @param first the info struct's {@code cap_offset}, 0 for none
     * @param what the ioctl, for the message ("VFIO_DEVICE_GET_REGION_INFO for region 0")
     */
    public static List<Cap> walk(MemorySegment info, long fixedSize, int first, String what) {
        List<Cap> caps = new ArrayList<>();
        long previous = fixedSize - HEADER;
        for (long off = Integer.toUnsignedLong(first); off != 0; ) {
            if (off < previous + HEADER || off + HEADER > info.byteSize()) {
                throw new Dma4jException(what + " returned a malformed capability chain: a capability at offset " + off
                        + " of a " + info.byteSize() + "-byte buffer (the last one ended past " + (previous + HEADER)
                        + "); a kernel bug, or a buffer not from this ioctl");
            }
            MemorySegment header = info.asSlice(off, HEADER);
            long next = Integer.toUnsignedLong(vfio_info_cap_header.next(header));
            long end = next != 0 && next > off && next <= info.byteSize() ? next : info.byteSize();
            caps.add(new Cap(
                    Short.toUnsignedInt(vfio_info_cap_header.id(header)),
                    Short.toUnsignedInt(vfio_info_cap_header.version(header)),
                    info.asSlice(off, end - off)));
            previous = off;
            off = next;
        }
        return List.copyOf(caps);
    }
}
