package org.dma4j.nvme;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.dma4j.nvme.spec.IdNs;
import org.dma4j.nvme.spec.NvmCommands;

/**
 * An active namespace, from Identify Namespace (CNS 00h): its size in logical blocks and the
 * LBA format in use, with its metadata and end-to-end protection settings. Immutable.
 *
 * <p><b>Metadata.</b> dma4j reads and writes every format with 16-bit-guard protection
 * information or none:
 * <ul>
 * <li>no metadata: {@link #blockSize()} is the LBA data size;</li>
 * <li>extended LBAs (FLBAS bit 4): the metadata is the last {@link #metadataSize()} bytes of
 *     each block in the data buffer, so a block takes {@link #blockSize()} = data + metadata
 *     bytes of it (520 for 512+8), and every transfer length, buffer check and MDTS split
 *     counts them;</li>
 * <li>separate metadata: each Read and Write takes a second mapping for
 *     {@link #separateMetadataSize()} bytes per block, sent as MPTR; without one, the command
 *     is refused before it is submitted (a controller would DMA the metadata to address 0);</li>
 * <li>protection information (DPS type 1, 2 or 3): every Read, Write and Write Zeroes sets
 *     PRACT, so the controller generates it on writes and checks it (the guard, and for types 1
 *     and 2 the reference tag, the LBA's low 32 bits) on reads. With exactly 8 bytes of
 *     metadata the controller keeps all of it: nothing but data crosses host memory and
 *     {@link #blockSize()} is the data size. With more, the rest of the metadata travels as
 *     above, the controller filling in the 8 bytes of protection information.</li>
 * </ul>
 * A format dma4j cannot drive (a reserved protection type, protection information with less
 * than 8 bytes of metadata, a block size outside 512 B to 2 MiB) is still listed; reads and
 * writes on it throw {@link NvmeException.UnsupportedFormat} naming the namespace, the format
 * and what dma4j supports. Protection information with 32- or 64-bit guards (NVMe 2.0 extended
 * LBA formats, Identify CNS 05h) is not read: such a namespace is taken for 16-bit guards.
 */
public final class Namespace {
    private final int nsid;
    private final long blocks;
    private final long capacity;
    private final List<LbaFormat> formats;
    private final int formatIndex;
    private final boolean extended;
    private final int metadataCapabilities;
    private final int protection;
    private final String where;
    // Derived once, so that the I/O path reads fields and allocates nothing.
    private final int blockSize;
    private final int separateMetadata;
    private final int prinfo;
    private final boolean refTag;
    private final String unsupported;

    Namespace(
            int nsid,
            long blocks,
            long capacity,
            List<LbaFormat> formats,
            int formatIndex,
            boolean extended,
            int metadataCapabilities,
            int protection,
            String where) {
        this.nsid = nsid;
        this.blocks = blocks;
        this.capacity = capacity;
        this.formats = List.copyOf(formats);
        this.formatIndex = formatIndex;
        this.extended = extended;
        this.metadataCapabilities = metadataCapabilities;
        this.protection = protection;
        this.where = where;
        LbaFormat f = this.formats.get(formatIndex);
        int ms = f.metadataSize();
        int pi = protection & 7;
        String why = null;
        int bs = f.dataSize();
        int separate = 0;
        int bits = 0;
        boolean ref = false;
        if (f.dataSize() < 512 || f.dataSize() > (2 << 20)) {
            why = "its LBA data size " + f.dataSize() + " is outside 512 B to 2 MiB";
        } else if (pi > 3) {
            why = "it reports reserved protection information type " + pi + " (DPS 0x" + Integer.toHexString(protection)
                    + ")";
        } else if (pi != 0 && ms < 8) {
            why = "its protection information needs 8 bytes of metadata, and it has " + ms;
        } else {
            if (pi != 0) {
                ref = pi != 3; // type 3 defines no reference tag
                bits = NvmCommands.PRACT | NvmCommands.PRCHK_GUARD | (ref ? NvmCommands.PRCHK_REFTAG : 0);
            }
            if (ms != 0 && !(pi != 0 && ms == 8)) { // with PRACT, 8 bytes of PI stay in the controller
                if (extended) {
                    bs += ms;
                } else {
                    separate = ms;
                }
            }
        }
        this.blockSize = bs;
        this.separateMetadata = separate;
        this.prinfo = bits;
        this.refTag = ref;
        this.unsupported = why == null
                ? null
                : "namespace " + nsid + where + " has LBA format " + formatIndex + " ("
                        + describe() + "), which dma4j cannot read or write: " + why
                        + ". dma4j drives formats without metadata,"
                        + " extended LBAs (metadata inline, blockSize() = data + metadata),"
                        + " separate metadata (a metadata buffer per command), and protection information types 1 to 3 with 16-bit"
                        + " guards (generated and checked by the controller: PRACT); reformat the namespace to one of those"
                        + " (e.g. nvme format --lbaf=N) or use another driver";
    }

    /**
     * Parses Identify Namespace data {@code d} (4 KiB). The format index is FLBAS bits 3:0, with
     * bits 6:5 as its upper bits when there are more than 16 formats. {@code where} names the
     * controller in messages (" of 0000:01:00.0", or "").
     */
    static Namespace parse(int nsid, MemorySegment d, String where) {
        int nlbaf = IdNs.formats(d);
        int flbas = IdNs.flbas(d);
        if (nlbaf > 64) {
            throw new NvmeException(
                    "namespace " + nsid + where + " reports " + nlbaf + " LBA formats (NLBAF); at most 64 exist");
        }
        int index = IdNs.formatIndexOf(flbas, nlbaf);
        if (index >= nlbaf) {
            throw new NvmeException("namespace " + nsid + where + " uses LBA format " + index + " (FLBAS 0x"
                    + Integer.toHexString(flbas) + ") but reports only " + nlbaf + " formats (NLBAF)");
        }
        long nsze = IdNs.size(d);
        if (nsze < 0) { // a device's value: 2^63 blocks or more is no real namespace, and would count negative
            throw new NvmeException("namespace " + nsid + where + " reports a size (NSZE) of 0x"
                    + Long.toHexString(nsze) + " blocks, beyond 2^63; the device's Identify Namespace data is corrupt");
        }
        List<LbaFormat> formats = new ArrayList<>();
        for (int i = 0; i < nlbaf; i++) {
            int lbads = IdNs.lbafDataSizeLog2(d, i);
            formats.add(new LbaFormat(
                    lbads < 31 ? 1 << lbads : 0, IdNs.lbafMetadataSize(d, i), IdNs.lbafRelativePerformance(d, i)));
        }
        return new Namespace(
                nsid,
                nsze,
                IdNs.capacity(d),
                formats,
                index,
                (flbas & IdNs.FLBAS_EXTENDED) != 0,
                IdNs.metadataCapabilities(d),
                IdNs.protectionSettings(d),
                where);
    }

    /** This namespace under another NSID (for tests of the controller's answer to a wrong one). */
    Namespace withNsid(int other) {
        return new Namespace(
                other, blocks, capacity, formats, formatIndex, extended, metadataCapabilities, protection, where);
    }

    public int nsid() {
        return nsid;
    }

    /** NSZE, the size in logical blocks. */
    public long blocks() {
        return blocks;
    }

    /** NCAP, the blocks that may be allocated. */
    public long capacity() {
        return capacity;
    }

    /**
     * Bytes one logical block takes in a read or write buffer: the LBA data size, plus the
     * metadata size for an extended-LBA format without protection information.
     */
    public int blockSize() {
        return blockSize;
    }

    /**
     * Metadata bytes per block that Read and Write move through a separate metadata buffer
     * (MPTR): the metadata size for a separate-metadata format, unless it is only the 8 bytes of
     * protection information the controller keeps; 0 otherwise.
     */
    public int separateMetadataSize() {
        return separateMetadata;
    }

    /** Bytes of data per logical block of the format in use (2^LBADS). */
    public int dataSize() {
        return format().dataSize();
    }

    /** Metadata bytes per logical block of the format in use (MS; 0: none). */
    public int metadataSize() {
        return format().metadataSize();
    }

    /** Whether metadata is inline at the end of each block (FLBAS bit 4), else in a separate buffer. */
    public boolean extendedLba() {
        return extended;
    }

    /** The protection information type (DPS bits 2:0): 0 none, 1 to 3. */
    public int protectionType() {
        return protection & 7;
    }

    /** Whether the protection information is the first 8 bytes of the metadata (DPS bit 3), else the last 8. */
    public boolean protectionFirst() {
        return (protection & 8) != 0;
    }

    /** MC: bit 0 extended LBAs supported, bit 1 separate metadata supported. */
    public int metadataCapabilities() {
        return metadataCapabilities;
    }

    /** The index of the LBA format in use (FLBAS bits 3:0, and 6:5 above 16 formats). */
    public int formatIndex() {
        return formatIndex;
    }

    /** The LBA format in use. */
    public LbaFormat format() {
        return formats.get(formatIndex);
    }

    /** Every LBA format the namespace offers, in index order. */
    public List<LbaFormat> formats() {
        return formats;
    }

    /** Whether dma4j can read and write this namespace's format (see the class comment). */
    public boolean isSupported() {
        return unsupported == null;
    }

    /** Throws {@link NvmeException.UnsupportedFormat} when dma4j cannot read and write this namespace's format. */
    public void checkSupported() {
        if (unsupported != null) {
            throw new NvmeException.UnsupportedFormat(unsupported);
        }
    }

    /** The format in words: "512+8, extended LBA, protection information type 1 (last 8 bytes)". */
    public String describe() {
        LbaFormat f = format();
        StringBuilder s = new StringBuilder(f.toString());
        if (f.metadataSize() != 0) {
            s.append(extended ? ", extended LBA" : ", separate metadata");
        }
        if (protectionType() != 0) {
            s.append(", protection information type ")
                    .append(protectionType())
                    .append(protectionFirst() ? " (first 8 bytes)" : " (last 8 bytes)");
        }
        return s.toString();
    }

    /** PRINFO bits for CDW12 of Read, Write and Write Zeroes. */
    int prinfo() {
        return prinfo;
    }

    /** Whether CDW14 carries the initial reference tag (the LBA's low 32 bits). */
    boolean refTag() {
        return refTag;
    }

    /** The size in bytes of the data (metadata not counted). */
    public long bytes() {
        return blocks * dataSize();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Namespace n
                && n.nsid == nsid
                && n.blocks == blocks
                && n.capacity == capacity
                && n.formats.equals(formats)
                && n.formatIndex == formatIndex
                && n.extended == extended
                && n.metadataCapabilities == metadataCapabilities
                && n.protection == protection;
    }

    @Override
    public int hashCode() {
        return Objects.hash(nsid, blocks, capacity, formatIndex, extended, protection);
    }

    @Override
    public String toString() {
        return "namespace " + nsid + ": " + blocks + " blocks of " + describe();
    }
}
