package org.dma4j.nvme.spec;

import static org.dma4j.nvme.spec.Layouts.at;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The Identify Namespace data structure of the NVM command set, 4096 bytes (CNS 00h; NVM Command
 * Set Specification 1.0, figure "Identify Namespace Data Structure, NVM Command Set"), with its
 * LBA Format entries (figure "LBA Format Data Structure, NVM Command Set": MS bits 15:0, LBADS
 * bits 23:16, RP bits 25:24). Also the Active Namespace ID list (CNS 02h). Accessors work on a
 * segment holding the structure at offset 0, aligned to 8 bytes.
 */
public final class IdNs {
    private IdNs() {}

    public static final int SIZE = 4096;
    /** LBA Format entries the structure has room for (LBAF0 to LBAF63). */
    public static final int MAX_LBA_FORMATS = 64;
    /** NSIDs in an Active Namespace ID list (4 bytes each, 0-terminated when shorter). */
    public static final int ACTIVE_LIST_ENTRIES = 1024;

    /** One LBA Format entry: {@code ms} (metadata bytes), {@code lbads} (log2 of the data size), {@code rp} (bits 1:0). */
    public static final StructLayout LBAF = Layouts.struct(
            "lbaf",
            4,
            at(0, "ms", ValueLayout.JAVA_SHORT),
            at(2, "lbads", ValueLayout.JAVA_BYTE),
            at(3, "rp", ValueLayout.JAVA_BYTE));

    public static final StructLayout LAYOUT = Layouts.struct(
            "id_ns",
            SIZE,
            at(0, "nsze", ValueLayout.JAVA_LONG),
            at(8, "ncap", ValueLayout.JAVA_LONG),
            at(16, "nuse", ValueLayout.JAVA_LONG),
            at(24, "nsfeat", ValueLayout.JAVA_BYTE),
            at(25, "nlbaf", ValueLayout.JAVA_BYTE),
            at(26, "flbas", ValueLayout.JAVA_BYTE),
            at(27, "mc", ValueLayout.JAVA_BYTE),
            at(28, "dpc", ValueLayout.JAVA_BYTE),
            at(29, "dps", ValueLayout.JAVA_BYTE),
            at(30, "nmic", ValueLayout.JAVA_BYTE),
            at(31, "rescap", ValueLayout.JAVA_BYTE),
            at(32, "fpi", ValueLayout.JAVA_BYTE),
            at(33, "dlfeat", ValueLayout.JAVA_BYTE),
            at(104, "nguid", MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE)),
            at(120, "eui64", MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE)),
            at(128, "lbaf", MemoryLayout.sequenceLayout(MAX_LBA_FORMATS, LBAF)));

    /** FLBAS bit 4: metadata at the end of each block's data (extended LBA), else in a separate buffer. */
    public static final int FLBAS_EXTENDED = 1 << 4;
    /** MC bit 0: extended LBAs supported; bit 1: separate metadata (MPTR) supported. */
    public static final int MC_EXTENDED = 1, MC_SEPARATE = 1 << 1;
    /** DPC: protection information types 1 to 3 (bits 0 to 2), first (bit 3) or last (bit 4) 8 bytes of metadata. */
    public static final int DPC_ALL = 0x1f;
    /** DPS bit 3: the protection information is the first 8 bytes of the metadata, else the last. */
    public static final int DPS_FIRST = 1 << 3;

    private static final VarHandle NSZE = Layouts.handle(LAYOUT, "nsze");
    private static final VarHandle NCAP = Layouts.handle(LAYOUT, "ncap");
    private static final VarHandle NUSE = Layouts.handle(LAYOUT, "nuse");
    private static final VarHandle NLBAF = Layouts.handle(LAYOUT, "nlbaf");
    private static final VarHandle FLBAS = Layouts.handle(LAYOUT, "flbas");
    private static final VarHandle MC = Layouts.handle(LAYOUT, "mc");
    private static final VarHandle DPC = Layouts.handle(LAYOUT, "dpc");
    private static final VarHandle DPS = Layouts.handle(LAYOUT, "dps");
    private static final VarHandle LBAF_MS = lbaf("ms");
    private static final VarHandle LBAF_LBADS = lbaf("lbads");
    private static final VarHandle LBAF_RP = lbaf("rp");
    /** The Active Namespace ID list (CNS 02h): {@link #ACTIVE_LIST_ENTRIES} NSIDs. */
    public static final MemoryLayout ACTIVE_LIST = MemoryLayout.sequenceLayout(
                    ACTIVE_LIST_ENTRIES, ValueLayout.JAVA_INT)
            .withName("active_ns_list");

    private static final VarHandle NSID = ACTIVE_LIST.varHandle(PathElement.sequenceElement());

    private static VarHandle lbaf(String field) {
        return LAYOUT.varHandle(
                PathElement.groupElement("lbaf"), PathElement.sequenceElement(), PathElement.groupElement(field));
    }

    /** NSZE, the namespace size in logical blocks (0: the NSID is not active). */
    public static long size(MemorySegment d) {
        return (long) NSZE.get(d, 0L);
    }

    /** NCAP, the blocks that may be allocated. */
    public static long capacity(MemorySegment d) {
        return (long) NCAP.get(d, 0L);
    }

    /** NUSE, the blocks allocated. */
    public static long utilization(MemorySegment d) {
        return (long) NUSE.get(d, 0L);
    }

    /** Sets NSZE, NCAP and NUSE. */
    public static void setSize(MemorySegment d, long nsze, long ncap, long nuse) {
        NSZE.set(d, 0L, nsze);
        NCAP.set(d, 0L, ncap);
        NUSE.set(d, 0L, nuse);
    }

    /** The number of LBA formats: NLBAF (0's based) plus 1. */
    public static int formats(MemorySegment d) {
        return Byte.toUnsignedInt((byte) NLBAF.get(d, 0L)) + 1;
    }

    /** Sets NLBAF to {@code formats} - 1. */
    public static void setFormats(MemorySegment d, int formats) {
        NLBAF.set(d, 0L, (byte) (formats - 1));
    }

    /** FLBAS: format index bits 3:0, {@link #FLBAS_EXTENDED}, and the index's bits 5:4 in bits 6:5 (above 16 formats). */
    public static int flbas(MemorySegment d) {
        return Byte.toUnsignedInt((byte) FLBAS.get(d, 0L));
    }

    public static void setFlbas(MemorySegment d, int flbas) {
        FLBAS.set(d, 0L, (byte) flbas);
    }

    /** FLBAS for format {@code index} (0 to 63), extended LBAs or not. */
    public static int flbasOf(int index, boolean extended) {
        return (index & 0xf) | (extended ? FLBAS_EXTENDED : 0) | (index >>> 4 & 3) << 5;
    }

    /** The format index FLBAS selects: bits 3:0, with bits 6:5 above them when there are more than 16 formats. */
    public static int formatIndexOf(int flbas, int formats) {
        return (flbas & 0xf) | (formats > 16 ? (flbas >>> 5 & 3) << 4 : 0);
    }

    /** MC, metadata capabilities: {@link #MC_EXTENDED}, {@link #MC_SEPARATE}. */
    public static int metadataCapabilities(MemorySegment d) {
        return Byte.toUnsignedInt((byte) MC.get(d, 0L));
    }

    public static void setMetadataCapabilities(MemorySegment d, int mc) {
        MC.set(d, 0L, (byte) mc);
    }

    /** DPC, the end-to-end data protection capabilities. */
    public static int protectionCapabilities(MemorySegment d) {
        return Byte.toUnsignedInt((byte) DPC.get(d, 0L));
    }

    public static void setProtectionCapabilities(MemorySegment d, int dpc) {
        DPC.set(d, 0L, (byte) dpc);
    }

    /** DPS, the protection in use: type bits 2:0 (0 none, 1 to 3), {@link #DPS_FIRST}. */
    public static int protectionSettings(MemorySegment d) {
        return Byte.toUnsignedInt((byte) DPS.get(d, 0L));
    }

    public static void setProtectionSettings(MemorySegment d, int dps) {
        DPS.set(d, 0L, (byte) dps);
    }

    /** MS of LBA format {@code i}: metadata bytes per block. */
    public static int lbafMetadataSize(MemorySegment d, int i) {
        return Short.toUnsignedInt((short) LBAF_MS.get(d, 0L, (long) i));
    }

    /** LBADS of LBA format {@code i}: log2 of the data bytes per block (0: format not available). */
    public static int lbafDataSizeLog2(MemorySegment d, int i) {
        return Byte.toUnsignedInt((byte) LBAF_LBADS.get(d, 0L, (long) i));
    }

    /** RP of LBA format {@code i}: relative performance, 0 (best) to 3 (degraded). */
    public static int lbafRelativePerformance(MemorySegment d, int i) {
        return (byte) LBAF_RP.get(d, 0L, (long) i) & 3;
    }

    /** Sets LBA format {@code i}. */
    public static void setLbaf(MemorySegment d, int i, int metadataSize, int dataSizeLog2, int relativePerformance) {
        LBAF_MS.set(d, 0L, (long) i, (short) metadataSize);
        LBAF_LBADS.set(d, 0L, (long) i, (byte) dataSizeLog2);
        LBAF_RP.set(d, 0L, (long) i, (byte) (relativePerformance & 3));
    }

    /** NSID {@code i} of an Active Namespace ID list (0: the list ended). */
    public static int activeNsid(MemorySegment list, int i) {
        return (int) NSID.get(list, 0L, (long) i);
    }

    public static void setActiveNsid(MemorySegment list, int i, int nsid) {
        NSID.set(list, 0L, (long) i, nsid);
    }
}
