package org.dma4j.nvme;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * What Identify Controller (CNS 01h) says, the fields a driver and a person need.
 *
 * @param mdts maximum data transfer size as a power of two of the minimum page size (0: no limit)
 * @param namespaces NN, the highest namespace identifier
 * @param oncs optional NVM commands supported (bit 2 Dataset Management, bit 3 Write Zeroes)
 * @param rtd3eMicros RTD3 Entry Latency: how long a shutdown may take, in microseconds (0: not reported)
 */
public record IdentifyController(int vendor, int subsystemVendor, String serial, String model, String firmware, int mdts,
                                 int controllerId, int version, long namespaces, int oncs, boolean volatileWriteCache,
                                 long rtd3eMicros) {
    static IdentifyController parse(MemorySegment d) {
        return new IdentifyController(Short.toUnsignedInt(d.get(ValueLayout.JAVA_SHORT, 0)),
                Short.toUnsignedInt(d.get(ValueLayout.JAVA_SHORT, 2)), ascii(d, 4, 20), ascii(d, 24, 40), ascii(d, 64, 8),
                Byte.toUnsignedInt(d.get(ValueLayout.JAVA_BYTE, 77)), Short.toUnsignedInt(d.get(ValueLayout.JAVA_SHORT, 78)),
                d.get(ValueLayout.JAVA_INT, 80), Integer.toUnsignedLong(d.get(ValueLayout.JAVA_INT, 516)),
                Short.toUnsignedInt(d.get(ValueLayout.JAVA_SHORT, 520)), (d.get(ValueLayout.JAVA_BYTE, 525) & 1) == 1,
                Integer.toUnsignedLong(d.get(ValueLayout.JAVA_INT, 88)));
    }

    static String ascii(MemorySegment d, int offset, int length) {
        return new String(d.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII).trim();
    }

    /** The largest transfer one command may move, in bytes, for memory pages of {@code pageSize}. */
    public long maxTransferBytes(long pageSize) {
        return mdts == 0 ? Long.MAX_VALUE : pageSize << mdts;
    }

    public boolean supportsWriteZeroes() {
        return (oncs & (1 << 3)) != 0;
    }

    public boolean supportsDeallocate() {
        return (oncs & (1 << 2)) != 0;
    }

    /** VER as "1.4.0". */
    public String versionString() {
        return (version >>> 16) + "." + ((version >>> 8) & 0xff) + "." + (version & 0xff);
    }
}
