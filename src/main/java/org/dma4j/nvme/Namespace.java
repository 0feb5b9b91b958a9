package org.dma4j.nvme;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * An active namespace, from Identify Namespace (CNS 00h): its size in logical blocks and the
 * block format in use. Immutable.
 *
 * @param blocks NSZE, the size in logical blocks
 * @param blockSize bytes per logical block of the format in use (2^LBADS)
 * @param metadataSize metadata bytes per block of the format in use (dma4j drives metadata-less formats)
 * @param formats the LBA data sizes of every format the namespace offers
 */
public record Namespace(int nsid, long blocks, long capacity, int blockSize, int metadataSize, List<Integer> formats) {
    static Namespace parse(int nsid, MemorySegment d) {
        int nlbaf = Byte.toUnsignedInt(d.get(ValueLayout.JAVA_BYTE, 25)) + 1;
        int flbas = d.get(ValueLayout.JAVA_BYTE, 26) & 0xf;
        List<Integer> formats = new ArrayList<>();
        for (int i = 0; i < nlbaf; i++) {
            formats.add(1 << Byte.toUnsignedInt(d.get(ValueLayout.JAVA_BYTE, 128 + 4L * i + 2)));
        }
        int ms = Short.toUnsignedInt(d.get(ValueLayout.JAVA_SHORT, 128 + 4L * flbas));
        return new Namespace(nsid, d.get(ValueLayout.JAVA_LONG, 0), d.get(ValueLayout.JAVA_LONG, 8), formats.get(flbas), ms,
                List.copyOf(formats));
    }

    /** The size in bytes. */
    public long bytes() {
        return blocks * blockSize;
    }
}
