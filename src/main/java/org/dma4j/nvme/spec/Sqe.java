package org.dma4j.nvme.spec;

import static org.dma4j.nvme.spec.Layouts.at;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The submission queue entry, 64 bytes (NVMe Base Specification 2.0, figure "Common Command
 * Format"): CDW0 (opcode, FUSE and PSDT, command identifier), the namespace identifier, CDW2-3,
 * the metadata pointer, the data pointer as PRP1 and PRP2, and the command dwords 10 to 15.
 *
 * <p>Every accessor takes the segment and the byte offset of the entry in it (slot × {@link #SIZE}
 * in a queue, 0 for a segment of one entry), so that a driver writes a command straight into its
 * queue slot and nothing is allocated. {@link #write} writes all 64 bytes; the command encoders of
 * {@link AdminCommands} and {@link NvmCommands} go through it.
 */
public final class Sqe {
    private Sqe() {}

    /** Bytes per entry. */
    public static final int SIZE = 64;
    /** log2 of {@link #SIZE}: the value of CC.IOSQES and of Identify Controller SQES. */
    public static final int SIZE_LOG2 = 6;

    /** The layout; CDW0 is split into {@code opc}, {@code flags} (FUSE bits 1:0, PSDT bits 7:6) and {@code cid}. */
    public static final StructLayout LAYOUT = Layouts.struct(
            "sqe",
            SIZE,
            at(0, "opc", ValueLayout.JAVA_BYTE),
            at(1, "flags", ValueLayout.JAVA_BYTE),
            at(2, "cid", ValueLayout.JAVA_SHORT),
            at(4, "nsid", ValueLayout.JAVA_INT),
            at(8, "cdw2", ValueLayout.JAVA_INT),
            at(12, "cdw3", ValueLayout.JAVA_INT),
            at(16, "mptr", ValueLayout.JAVA_LONG),
            at(24, "prp1", ValueLayout.JAVA_LONG),
            at(32, "prp2", ValueLayout.JAVA_LONG),
            at(40, "cdw10", ValueLayout.JAVA_INT),
            at(44, "cdw11", ValueLayout.JAVA_INT),
            at(48, "cdw12", ValueLayout.JAVA_INT),
            at(52, "cdw13", ValueLayout.JAVA_INT),
            at(56, "cdw14", ValueLayout.JAVA_INT),
            at(60, "cdw15", ValueLayout.JAVA_INT));

    private static final VarHandle OPC = Layouts.handle(LAYOUT, "opc");
    private static final VarHandle FLAGS = Layouts.handle(LAYOUT, "flags");
    private static final VarHandle CID = Layouts.handle(LAYOUT, "cid");
    private static final VarHandle NSID = Layouts.handle(LAYOUT, "nsid");
    private static final VarHandle CDW2 = Layouts.handle(LAYOUT, "cdw2");
    private static final VarHandle CDW3 = Layouts.handle(LAYOUT, "cdw3");
    private static final VarHandle MPTR = Layouts.handle(LAYOUT, "mptr");
    private static final VarHandle PRP1 = Layouts.handle(LAYOUT, "prp1");
    private static final VarHandle PRP2 = Layouts.handle(LAYOUT, "prp2");
    private static final VarHandle CDW10 = Layouts.handle(LAYOUT, "cdw10");
    private static final VarHandle CDW11 = Layouts.handle(LAYOUT, "cdw11");
    private static final VarHandle CDW12 = Layouts.handle(LAYOUT, "cdw12");
    private static final VarHandle CDW13 = Layouts.handle(LAYOUT, "cdw13");
    private static final VarHandle CDW14 = Layouts.handle(LAYOUT, "cdw14");
    private static final VarHandle CDW15 = Layouts.handle(LAYOUT, "cdw15");

    /** CDW0 bits 9:8 (FUSE) and 15:14 (PSDT) as bits of {@code flags}: a PRP command that is not fused has none set. */
    public static final int FLAGS_FUSE = 0x03, FLAGS_PSDT = 0xc0;

    /**
     * Writes a whole entry at {@code offset}: FUSE 0 (not fused), PSDT 0 (PRPs), CDW2-3 0 and
     * the given fields. Allocates nothing.
     */
    public static void write(
            MemorySegment s,
            long offset,
            int opcode,
            int cid,
            int nsid,
            long mptr,
            long prp1,
            long prp2,
            int cdw10,
            int cdw11,
            int cdw12,
            int cdw13,
            int cdw14,
            int cdw15) {
        OPC.set(s, offset, (byte) opcode);
        FLAGS.set(s, offset, (byte) 0);
        CID.set(s, offset, (short) cid);
        NSID.set(s, offset, nsid);
        CDW2.set(s, offset, 0);
        CDW3.set(s, offset, 0);
        MPTR.set(s, offset, mptr);
        PRP1.set(s, offset, prp1);
        PRP2.set(s, offset, prp2);
        CDW10.set(s, offset, cdw10);
        CDW11.set(s, offset, cdw11);
        CDW12.set(s, offset, cdw12);
        CDW13.set(s, offset, cdw13);
        CDW14.set(s, offset, cdw14);
        CDW15.set(s, offset, cdw15);
    }

    /** OPC, CDW0 bits 7:0. */
    public static int opcode(MemorySegment s, long offset) {
        return Byte.toUnsignedInt((byte) OPC.get(s, offset));
    }

    /** CDW0 bits 15:8: FUSE in bits 1:0, PSDT in bits 7:6, the rest reserved. */
    public static int flags(MemorySegment s, long offset) {
        return Byte.toUnsignedInt((byte) FLAGS.get(s, offset));
    }

    /** CID, CDW0 bits 31:16. */
    public static int cid(MemorySegment s, long offset) {
        return Short.toUnsignedInt((short) CID.get(s, offset));
    }

    public static int nsid(MemorySegment s, long offset) {
        return (int) NSID.get(s, offset);
    }

    public static int cdw2(MemorySegment s, long offset) {
        return (int) CDW2.get(s, offset);
    }

    public static int cdw3(MemorySegment s, long offset) {
        return (int) CDW3.get(s, offset);
    }

    /** MPTR: the metadata buffer's address (separate metadata), else 0. */
    public static long mptr(MemorySegment s, long offset) {
        return (long) MPTR.get(s, offset);
    }

    /** PRP entry 1 of the data pointer. */
    public static long prp1(MemorySegment s, long offset) {
        return (long) PRP1.get(s, offset);
    }

    /** PRP entry 2 of the data pointer: the second page, a PRP list, or 0. */
    public static long prp2(MemorySegment s, long offset) {
        return (long) PRP2.get(s, offset);
    }

    public static int cdw10(MemorySegment s, long offset) {
        return (int) CDW10.get(s, offset);
    }

    public static int cdw11(MemorySegment s, long offset) {
        return (int) CDW11.get(s, offset);
    }

    public static int cdw12(MemorySegment s, long offset) {
        return (int) CDW12.get(s, offset);
    }

    public static int cdw13(MemorySegment s, long offset) {
        return (int) CDW13.get(s, offset);
    }

    public static int cdw14(MemorySegment s, long offset) {
        return (int) CDW14.get(s, offset);
    }

    public static int cdw15(MemorySegment s, long offset) {
        return (int) CDW15.get(s, offset);
    }
}
