package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.dma4j.nvme.LbaFormat;

/** The fake NVMe controller's Identify data: controller (CNS 01h), namespace (00h), active namespace list (02h). */
final class FakeIdentify {
    private FakeIdentify() {}

    /** Fills the 4 KiB {@code d}; returns the status (0, or Invalid Namespace / Invalid Field). */
    static int fill(int cns, int nsid, FakeNvme.Config config, MemorySegment d) {
        switch (cns) {
            case 0x01 -> {
                d.set(ValueLayout.JAVA_SHORT, 0, (short) FakeNvme.VENDOR);
                d.set(ValueLayout.JAVA_SHORT, 2, (short) FakeNvme.VENDOR);
                ascii(d, 4, 20, "dma4j-fake-0");
                ascii(d, 24, 40, "dma4j fake NVMe");
                ascii(d, 64, 8, "1.0");
                d.set(ValueLayout.JAVA_BYTE, 77, (byte) config.mdts());
                d.set(ValueLayout.JAVA_INT, 80, 0x0001_0400);
                d.set(ValueLayout.JAVA_INT, 88, config.rtd3eMicros());                     // RTD3E: shutdown bound
                d.set(ValueLayout.JAVA_BYTE, 512, (byte) 0x66);
                d.set(ValueLayout.JAVA_BYTE, 513, (byte) 0x44);
                d.set(ValueLayout.JAVA_INT, 516, config.namespaces().size());
                d.set(ValueLayout.JAVA_SHORT, 520, (short) (1 << 2 | 1 << 3)); // ONCS: DSM, Write Zeroes
            }
            case 0x00 -> {
                if (nsid < 1 || nsid > config.namespaces().size()) {
                    return 0x0b; // Invalid Namespace or Format
                }
                FakeNamespace ns = config.namespaces().get(nsid - 1);
                d.set(ValueLayout.JAVA_LONG, 0, ns.blocks());
                d.set(ValueLayout.JAVA_LONG, 8, ns.blocks());
                d.set(ValueLayout.JAVA_LONG, 16, ns.blocks());
                // As QEMU lays it out: NLBAF 0's based; FLBAS index bits 3:0, extended LBA bit 4, index bits 5:4
                // in bits 6:5; MC extended and separate; DPC every type, first or last; DPS the type in use.
                int index = ns.formatIndex();
                d.set(ValueLayout.JAVA_BYTE, 25, (byte) (ns.formats().size() - 1));
                d.set(ValueLayout.JAVA_BYTE, 26, (byte) ((index & 0xf) | (ns.extended() ? 0x10 : 0) | (index >>> 4 & 3) << 5));
                d.set(ValueLayout.JAVA_BYTE, 27, (byte) 0x03);
                d.set(ValueLayout.JAVA_BYTE, 28, (byte) 0x1f);
                d.set(ValueLayout.JAVA_BYTE, 29, (byte) (ns.piType() | (ns.piFirst() ? 8 : 0)));
                for (int i = 0; i < ns.formats().size(); i++) {
                    LbaFormat f = ns.formats().get(i);
                    int lbads = Integer.numberOfTrailingZeros(f.dataSize());
                    d.set(ValueLayout.JAVA_INT, 128 + 4L * i, f.metadataSize() | lbads << 16 | (f.relativePerformance() & 3) << 24);
                }
            }
            case 0x02 -> {
                int at = 0;
                for (int i = nsid + 1; i <= config.namespaces().size(); i++) {
                    d.set(ValueLayout.JAVA_INT, 4L * at++, i);
                }
            }
            default -> {
                return 0x02; // Invalid Field in Command
            }
        }
        return 0;
    }

    private static void ascii(MemorySegment d, int offset, int length, String text) {
        byte[] b = String.format("%-" + length + "s", text).getBytes(StandardCharsets.US_ASCII);
        d.asSlice(offset, length).copyFrom(MemorySegment.ofArray(b));
    }
}
