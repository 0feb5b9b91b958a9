package org.dma4j.nvme.spec;

import static org.dma4j.nvme.spec.Layouts.at;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The completion queue entry, 16 bytes (NVMe Base Specification 2.0, figure "Common Completion
 * Queue Entry Layout"): dword 0 (command specific), dword 1, the SQ head pointer and SQ
 * identifier, the command identifier, and the status with the phase tag in its bit 0.
 *
 * <p>A host reads dword 3 (command identifier, phase tag, status) first and with acquire
 * semantics ({@link #dw3Acquire}), then decodes it with {@link #cidOf}, {@link #phaseOf} and
 * {@link #statusOf}: the controller writes the phase tag last, so the rest of the entry is valid
 * once it flips. Accessors take the segment and the entry's byte offset in it; none allocates.
 */
public final class Cqe {
    private Cqe() {}

    /** Bytes per entry. */
    public static final int SIZE = 16;
    /** log2 of {@link #SIZE}: the value of CC.IOCQES and of Identify Controller CQES. */
    public static final int SIZE_LOG2 = 4;

    /** The layout; {@code status} holds the phase tag in bit 0 and the status field in bits 15:1. */
    public static final StructLayout LAYOUT = Layouts.struct(
            "cqe",
            SIZE,
            at(0, "dw0", ValueLayout.JAVA_INT),
            at(4, "dw1", ValueLayout.JAVA_INT),
            at(8, "sqhd", ValueLayout.JAVA_SHORT),
            at(10, "sqid", ValueLayout.JAVA_SHORT),
            at(12, "cid", ValueLayout.JAVA_SHORT),
            at(14, "status", ValueLayout.JAVA_SHORT));

    /** Byte offset of dword 3 (command identifier, phase tag and status). */
    public static final long DW3 = Layouts.offset(LAYOUT, "cid");

    private static final VarHandle DW0 = Layouts.handle(LAYOUT, "dw0");
    private static final VarHandle DW1 = Layouts.handle(LAYOUT, "dw1");
    private static final VarHandle SQHD = Layouts.handle(LAYOUT, "sqhd");
    private static final VarHandle SQID = Layouts.handle(LAYOUT, "sqid");
    private static final VarHandle CID = Layouts.handle(LAYOUT, "cid");
    private static final VarHandle STATUS = Layouts.handle(LAYOUT, "status");
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    /** Dword 3 read with acquire semantics: what follows in program order sees the entry the phase tag publishes. */
    public static int dw3Acquire(MemorySegment s, long offset) {
        return (int) INT.getAcquire(s, offset + DW3);
    }

    /** The command identifier in dword 3 (bits 15:0). */
    public static int cidOf(int dw3) {
        return dw3 & 0xffff;
    }

    /** The phase tag in dword 3 (bit 16). */
    public static int phaseOf(int dw3) {
        return dw3 >>> 16 & 1;
    }

    /** The 15-bit status field in dword 3 (bits 31:17), decoded by {@link StatusCode}'s helpers. */
    public static int statusOf(int dw3) {
        return dw3 >>> 17;
    }

    /** Dword 0: command specific (Set Features' queues allocated, Abort's result, ...). */
    public static int dw0(MemorySegment s, long offset) {
        return (int) DW0.get(s, offset);
    }

    public static int dw1(MemorySegment s, long offset) {
        return (int) DW1.get(s, offset);
    }

    /** SQHD: the submission queue head pointer, how far the controller has consumed the SQ. */
    public static int sqHead(MemorySegment s, long offset) {
        return Short.toUnsignedInt((short) SQHD.get(s, offset));
    }

    /** SQID: the submission queue the command came from. */
    public static int sqId(MemorySegment s, long offset) {
        return Short.toUnsignedInt((short) SQID.get(s, offset));
    }

    public static int cid(MemorySegment s, long offset) {
        return Short.toUnsignedInt((short) CID.get(s, offset));
    }

    /** The phase tag (status bit 0). */
    public static int phase(MemorySegment s, long offset) {
        return (short) STATUS.get(s, offset) & 1;
    }

    /** The status field (status bits 15:1). */
    public static int status(MemorySegment s, long offset) {
        return Short.toUnsignedInt((short) STATUS.get(s, offset)) >>> 1;
    }

    /**
     * Writes dwords 0 to 2 (what a controller writes before the phase tag): dword 0, dword 1, the
     * SQ head pointer and the SQ identifier.
     */
    public static void writeHead(MemorySegment s, long offset, int dw0, int dw1, int sqHead, int sqId) {
        DW0.set(s, offset, dw0);
        DW1.set(s, offset, dw1);
        SQHD.set(s, offset, (short) sqHead);
        SQID.set(s, offset, (short) sqId);
    }

    /** Writes dword 3: the command identifier, the 15-bit status field and the phase tag. */
    public static void writeDw3(MemorySegment s, long offset, int cid, int status, int phase) {
        CID.set(s, offset, (short) cid);
        STATUS.set(s, offset, (short) (status << 1 | (phase & 1)));
    }
}
