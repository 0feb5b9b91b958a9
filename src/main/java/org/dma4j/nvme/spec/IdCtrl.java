package org.dma4j.nvme.spec;

import static org.dma4j.nvme.spec.Layouts.at;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The Identify Controller data structure, 4096 bytes (CNS 01h; NVMe Base Specification 2.0,
 * figure "Identify - Identify Controller Data Structure, I/O Command Set Independent"): the
 * fields dma4j reads or the fake fills, at their offsets; the rest is padding. Accessors work
 * on a segment holding the structure at offset 0, aligned to 8 bytes.
 */
public final class IdCtrl {
    private IdCtrl() {}

    public static final int SIZE = 4096;

    public static final StructLayout LAYOUT = Layouts.struct(
            "id_ctrl",
            SIZE,
            at(0, "vid", ValueLayout.JAVA_SHORT),
            at(2, "ssvid", ValueLayout.JAVA_SHORT),
            Layouts.ascii(4, "sn", 20),
            Layouts.ascii(24, "mn", 40),
            Layouts.ascii(64, "fr", 8),
            at(72, "rab", ValueLayout.JAVA_BYTE),
            at(76, "cmic", ValueLayout.JAVA_BYTE),
            at(77, "mdts", ValueLayout.JAVA_BYTE),
            at(78, "cntlid", ValueLayout.JAVA_SHORT),
            at(80, "ver", ValueLayout.JAVA_INT),
            at(84, "rtd3r", ValueLayout.JAVA_INT),
            at(88, "rtd3e", ValueLayout.JAVA_INT),
            at(92, "oaes", ValueLayout.JAVA_INT),
            at(96, "ctratt", ValueLayout.JAVA_INT),
            at(111, "cntrltype", ValueLayout.JAVA_BYTE),
            at(256, "oacs", ValueLayout.JAVA_SHORT),
            at(258, "acl", ValueLayout.JAVA_BYTE),
            at(259, "aerl", ValueLayout.JAVA_BYTE),
            at(260, "frmw", ValueLayout.JAVA_BYTE),
            at(261, "lpa", ValueLayout.JAVA_BYTE),
            at(262, "elpe", ValueLayout.JAVA_BYTE),
            at(263, "npss", ValueLayout.JAVA_BYTE),
            at(266, "wctemp", ValueLayout.JAVA_SHORT),
            at(268, "cctemp", ValueLayout.JAVA_SHORT),
            at(512, "sqes", ValueLayout.JAVA_BYTE),
            at(513, "cqes", ValueLayout.JAVA_BYTE),
            at(514, "maxcmd", ValueLayout.JAVA_SHORT),
            at(516, "nn", ValueLayout.JAVA_INT),
            at(520, "oncs", ValueLayout.JAVA_SHORT),
            at(522, "fuses", ValueLayout.JAVA_SHORT),
            at(524, "fna", ValueLayout.JAVA_BYTE),
            at(525, "vwc", ValueLayout.JAVA_BYTE),
            at(526, "awun", ValueLayout.JAVA_SHORT),
            at(528, "awupf", ValueLayout.JAVA_SHORT),
            at(536, "sgls", ValueLayout.JAVA_INT),
            Layouts.ascii(768, "subnqn", 256));

    /** ONCS bit 2: Dataset Management supported. */
    public static final int ONCS_DSM = 1 << 2;
    /** ONCS bit 3: Write Zeroes supported. */
    public static final int ONCS_WRITE_ZEROES = 1 << 3;
    /** VWC bit 0: a volatile write cache is present. */
    public static final int VWC_PRESENT = 1;

    private static final VarHandle VID = Layouts.handle(LAYOUT, "vid");
    private static final VarHandle SSVID = Layouts.handle(LAYOUT, "ssvid");
    private static final VarHandle MDTS = Layouts.handle(LAYOUT, "mdts");
    private static final VarHandle CNTLID = Layouts.handle(LAYOUT, "cntlid");
    private static final VarHandle VER = Layouts.handle(LAYOUT, "ver");
    private static final VarHandle RTD3E = Layouts.handle(LAYOUT, "rtd3e");
    private static final VarHandle SQES = Layouts.handle(LAYOUT, "sqes");
    private static final VarHandle CQES = Layouts.handle(LAYOUT, "cqes");
    private static final VarHandle NN = Layouts.handle(LAYOUT, "nn");
    private static final VarHandle ONCS = Layouts.handle(LAYOUT, "oncs");
    private static final VarHandle VWC = Layouts.handle(LAYOUT, "vwc");

    /** VID, the PCI vendor ID. */
    public static int vendorId(MemorySegment d) {
        return Short.toUnsignedInt((short) VID.get(d, 0L));
    }

    public static void setVendorId(MemorySegment d, int vid) {
        VID.set(d, 0L, (short) vid);
    }

    /** SSVID, the PCI subsystem vendor ID. */
    public static int subsystemVendorId(MemorySegment d) {
        return Short.toUnsignedInt((short) SSVID.get(d, 0L));
    }

    public static void setSubsystemVendorId(MemorySegment d, int ssvid) {
        SSVID.set(d, 0L, (short) ssvid);
    }

    /** SN, the serial number (ASCII, padding removed). */
    public static String serialNumber(MemorySegment d) {
        return Layouts.getAscii(d, 0, LAYOUT, "sn");
    }

    public static void setSerialNumber(MemorySegment d, String sn) {
        Layouts.setAscii(d, 0, LAYOUT, "sn", sn);
    }

    /** MN, the model number (ASCII, padding removed). */
    public static String modelNumber(MemorySegment d) {
        return Layouts.getAscii(d, 0, LAYOUT, "mn");
    }

    public static void setModelNumber(MemorySegment d, String mn) {
        Layouts.setAscii(d, 0, LAYOUT, "mn", mn);
    }

    /** FR, the firmware revision (ASCII, padding removed). */
    public static String firmwareRevision(MemorySegment d) {
        return Layouts.getAscii(d, 0, LAYOUT, "fr");
    }

    public static void setFirmwareRevision(MemorySegment d, String fr) {
        Layouts.setAscii(d, 0, LAYOUT, "fr", fr);
    }

    /** MDTS: the maximum data transfer size as a power of two of CAP.MPSMIN pages (0: no limit). */
    public static int mdts(MemorySegment d) {
        return Byte.toUnsignedInt((byte) MDTS.get(d, 0L));
    }

    public static void setMdts(MemorySegment d, int mdts) {
        MDTS.set(d, 0L, (byte) mdts);
    }

    /** CNTLID, the controller ID. */
    public static int controllerId(MemorySegment d) {
        return Short.toUnsignedInt((short) CNTLID.get(d, 0L));
    }

    public static void setControllerId(MemorySegment d, int cntlid) {
        CNTLID.set(d, 0L, (short) cntlid);
    }

    /** VER, as the VS register: major bits 31:16, minor 15:8, tertiary 7:0. */
    public static int version(MemorySegment d) {
        return (int) VER.get(d, 0L);
    }

    public static void setVersion(MemorySegment d, int ver) {
        VER.set(d, 0L, ver);
    }

    /** RTD3E, the RTD3 entry latency in microseconds (0: not reported): how long a shutdown may take. */
    public static long rtd3eMicros(MemorySegment d) {
        return Integer.toUnsignedLong((int) RTD3E.get(d, 0L));
    }

    public static void setRtd3eMicros(MemorySegment d, int micros) {
        RTD3E.set(d, 0L, micros);
    }

    /** SQES: the maximum (bits 7:4) and required (bits 3:0) submission queue entry size, as powers of two. */
    public static int sqes(MemorySegment d) {
        return Byte.toUnsignedInt((byte) SQES.get(d, 0L));
    }

    /** CQES: the maximum (bits 7:4) and required (bits 3:0) completion queue entry size, as powers of two. */
    public static int cqes(MemorySegment d) {
        return Byte.toUnsignedInt((byte) CQES.get(d, 0L));
    }

    /** Sets SQES and CQES to one entry size each, required and maximum alike. */
    public static void setEntrySizes(MemorySegment d, int sqLog2, int cqLog2) {
        SQES.set(d, 0L, (byte) (sqLog2 << 4 | sqLog2));
        CQES.set(d, 0L, (byte) (cqLog2 << 4 | cqLog2));
    }

    /** NN, the highest namespace identifier the controller supports. */
    public static long namespaces(MemorySegment d) {
        return Integer.toUnsignedLong((int) NN.get(d, 0L));
    }

    public static void setNamespaces(MemorySegment d, int nn) {
        NN.set(d, 0L, nn);
    }

    /** ONCS, optional NVM commands supported: {@link #ONCS_DSM}, {@link #ONCS_WRITE_ZEROES}, ... */
    public static int oncs(MemorySegment d) {
        return Short.toUnsignedInt((short) ONCS.get(d, 0L));
    }

    public static void setOncs(MemorySegment d, int oncs) {
        ONCS.set(d, 0L, (short) oncs);
    }

    /** VWC, volatile write cache: {@link #VWC_PRESENT}. */
    public static int vwc(MemorySegment d) {
        return Byte.toUnsignedInt((byte) VWC.get(d, 0L));
    }

    public static void setVwc(MemorySegment d, int vwc) {
        VWC.set(d, 0L, (byte) vwc);
    }
}
