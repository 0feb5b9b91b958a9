package org.dma4j.nvme.spec;

import static org.dma4j.nvme.spec.Layouts.at;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The Error Information log page (Log Identifier 01h; NVMe Base Specification 2.0, figure "Error
 * Information Log Entry Data Structure"): entries of 64 bytes, newest first; an entry whose error
 * count is 0 is empty. Accessors take the page and an entry index.
 */
public final class ErrorLogPage {
    private ErrorLogPage() {}

    public static final int ENTRY_SIZE = 64;

    /** One entry; {@code status} holds the phase tag in bit 0 and the status field in bits 15:1, as a CQE does. */
    public static final StructLayout ENTRY = Layouts.struct(
            "error_log_entry",
            ENTRY_SIZE,
            at(0, "errorCount", ValueLayout.JAVA_LONG),
            at(8, "sqid", ValueLayout.JAVA_SHORT),
            at(10, "cid", ValueLayout.JAVA_SHORT),
            at(12, "status", ValueLayout.JAVA_SHORT),
            at(14, "parameterErrorLocation", ValueLayout.JAVA_SHORT),
            at(16, "lba", ValueLayout.JAVA_LONG),
            at(24, "nsid", ValueLayout.JAVA_INT),
            at(28, "vendorSpecificInfo", ValueLayout.JAVA_BYTE),
            at(29, "transportType", ValueLayout.JAVA_BYTE),
            at(32, "commandSpecificInfo", ValueLayout.JAVA_LONG),
            at(40, "transportTypeSpecificInfo", ValueLayout.JAVA_SHORT));

    private static final VarHandle ERROR_COUNT = Layouts.handle(ENTRY, "errorCount");
    private static final VarHandle SQID = Layouts.handle(ENTRY, "sqid");
    private static final VarHandle CID = Layouts.handle(ENTRY, "cid");
    private static final VarHandle STATUS = Layouts.handle(ENTRY, "status");
    private static final VarHandle LBA = Layouts.handle(ENTRY, "lba");
    private static final VarHandle NSID = Layouts.handle(ENTRY, "nsid");

    private static long entry(int i) {
        return (long) i * ENTRY_SIZE;
    }

    /** The error count: a unique, increasing identifier of the error (0: the entry is empty). */
    public static long errorCount(MemorySegment log, int i) {
        return (long) ERROR_COUNT.get(log, entry(i));
    }

    public static int sqId(MemorySegment log, int i) {
        return Short.toUnsignedInt((short) SQID.get(log, entry(i)));
    }

    public static int cid(MemorySegment log, int i) {
        return Short.toUnsignedInt((short) CID.get(log, entry(i)));
    }

    /** The status field of the failed command (bits 15:1 of the entry's status). */
    public static int status(MemorySegment log, int i) {
        return Short.toUnsignedInt((short) STATUS.get(log, entry(i))) >>> 1;
    }

    public static long lba(MemorySegment log, int i) {
        return (long) LBA.get(log, entry(i));
    }

    public static int nsid(MemorySegment log, int i) {
        return (int) NSID.get(log, entry(i));
    }

    /** Writes the fields a controller reports for a failed command into entry {@code i}. */
    public static void set(
            MemorySegment log, int i, long errorCount, int sqid, int cid, int status, long lba, int nsid) {
        ERROR_COUNT.set(log, entry(i), errorCount);
        SQID.set(log, entry(i), (short) sqid);
        CID.set(log, entry(i), (short) cid);
        STATUS.set(log, entry(i), (short) (status << 1));
        LBA.set(log, entry(i), lba);
        NSID.set(log, entry(i), nsid);
    }
}
