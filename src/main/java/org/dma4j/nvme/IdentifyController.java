package org.dma4j.nvme;

import java.lang.foreign.MemorySegment;
import org.dma4j.nvme.spec.IdCtrl;

/**
 * What Identify Controller (CNS 01h) says, the fields a driver and a person need.
 *
 * @param mdts maximum data transfer size as a power of two of the minimum page size (0: no limit)
 * @param namespaces NN, the highest namespace identifier
 * @param oncs optional NVM commands supported (bit 2 Dataset Management, bit 3 Write Zeroes)
 * @param rtd3eMicros RTD3 Entry Latency: how long a shutdown may take, in microseconds (0: not reported)
 */
public record IdentifyController(
        int vendor,
        int subsystemVendor,
        String serial,
        String model,
        String firmware,
        int mdts,
        int controllerId,
        int version,
        long namespaces,
        int oncs,
        boolean volatileWriteCache,
        long rtd3eMicros) {
    static IdentifyController parse(MemorySegment d) {
        return new IdentifyController(
                IdCtrl.vendorId(d),
                IdCtrl.subsystemVendorId(d),
                IdCtrl.serialNumber(d),
                IdCtrl.modelNumber(d),
                IdCtrl.firmwareRevision(d),
                IdCtrl.mdts(d),
                IdCtrl.controllerId(d),
                IdCtrl.version(d),
                IdCtrl.namespaces(d),
                IdCtrl.oncs(d),
                (IdCtrl.vwc(d) & IdCtrl.VWC_PRESENT) != 0,
                IdCtrl.rtd3eMicros(d));
    }

    /** The largest transfer one command may move, in bytes, for memory pages of {@code pageSize}. */
    public long maxTransferBytes(long pageSize) {
        // A shift past 62 bits would wrap (Java shifts modulo 64) to 0 or a negative size: as
        // Linux's nvme_mps_to_sectors, an MDTS that overflows means no limit.
        return mdts == 0 || mdts >= Long.numberOfLeadingZeros(pageSize) - 1 ? Long.MAX_VALUE : pageSize << mdts;
    }

    public boolean supportsWriteZeroes() {
        return (oncs & IdCtrl.ONCS_WRITE_ZEROES) != 0;
    }

    public boolean supportsDeallocate() {
        return (oncs & IdCtrl.ONCS_DSM) != 0;
    }

    /** VER as "1.4.0". */
    public String versionString() {
        return (version >>> 16) + "." + ((version >>> 8) & 0xff) + "." + (version & 0xff);
    }
}
