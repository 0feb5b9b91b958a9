package org.dma4j.nvme.spec;

import java.lang.foreign.MemorySegment;

/**
 * Encoders of the admin commands dma4j sends, and the decoders a controller (the fake) reads
 * them back with (NVMe Base Specification 2.0, section 5, each command's "Command Dword"
 * figures). An encoder writes a whole {@link Sqe} at {@code offset} of {@code s}; sizes and
 * counts are passed as the number meant (entries, bytes) and encoded 0's based here.
 */
public final class AdminCommands {
    private AdminCommands() {}

    /** NSID meaning every namespace (or the controller), as Get Log Page of the SMART log takes it. */
    public static final int NSID_ALL = 0xffff_ffff;
    /** Create I/O CQ/SQ CDW11 bit 0: the queue is physically contiguous (PC). */
    public static final int PC = 1;
    /** Create I/O CQ CDW11 bit 1: interrupts enabled (IEN). */
    public static final int IEN = 1 << 1;
    /** Set Features CDW10 bit 31: save the attribute across power cycles (SV). */
    public static final int SAVE = 1 << 31;
    /** Abort completion dword 0 bit 0: set when the command was not aborted. */
    public static final int ABORT_NOT_ABORTED = 1;

    /**
     * Identify: returns 4 KiB of structure {@code cns} for {@code nsid} to PRP1/PRP2 (a page-aligned
     * 4 KiB buffer needs PRP1 only; PRP2 then 0). CDW10 CNS bits 7:0, CNTID bits 31:16 (0).
     */
    public static void identify(MemorySegment s, long offset, int cid, Cns cns, int nsid, long prp1, long prp2) {
        Sqe.write(s, offset, AdminOpcode.IDENTIFY.value(), cid, nsid, 0, prp1, prp2, cns.value(), 0, 0, 0, 0, 0);
    }

    /**
     * Create I/O Completion Queue {@code qid} of {@code entries} entries at {@code prp1}
     * (physically contiguous: PC set when {@code contiguous}); with {@code interrupts} it signals
     * MSI-X/MSI vector {@code vector}. CDW10: QSIZE bits 31:16 (0's based), QID bits 15:0. CDW11:
     * IV bits 31:16, IEN bit 1, PC bit 0.
     */
    public static void createIoCq(
            MemorySegment s,
            long offset,
            int cid,
            int qid,
            int entries,
            long prp1,
            boolean contiguous,
            boolean interrupts,
            int vector) {
        int cdw11 = (interrupts ? vector << 16 | IEN : 0) | (contiguous ? PC : 0);
        Sqe.write(
                s,
                offset,
                AdminOpcode.CREATE_IO_CQ.value(),
                cid,
                0,
                0,
                prp1,
                0,
                queue(qid, entries),
                cdw11,
                0,
                0,
                0,
                0);
    }

    /**
     * Create I/O Submission Queue {@code qid} of {@code entries} entries at {@code prp1}, completing
     * to CQ {@code cqid}, with QPRIO 0 (only weighted round robin reads it). CDW10: QSIZE
     * bits 31:16 (0's based), QID bits 15:0. CDW11: CQID bits 31:16, QPRIO bits 2:1, PC bit 0.
     * CDW12: NVM set 0.
     */
    public static void createIoSq(
            MemorySegment s, long offset, int cid, int qid, int entries, long prp1, boolean contiguous, int cqid) {
        int cdw11 = cqid << 16 | (contiguous ? PC : 0);
        Sqe.write(
                s,
                offset,
                AdminOpcode.CREATE_IO_SQ.value(),
                cid,
                0,
                0,
                prp1,
                0,
                queue(qid, entries),
                cdw11,
                0,
                0,
                0,
                0);
    }

    /** Delete I/O Submission Queue {@code qid}: CDW10 QID bits 15:0. */
    public static void deleteIoSq(MemorySegment s, long offset, int cid, int qid) {
        Sqe.write(s, offset, AdminOpcode.DELETE_IO_SQ.value(), cid, 0, 0, 0, 0, qid & 0xffff, 0, 0, 0, 0, 0);
    }

    /** Delete I/O Completion Queue {@code qid}: CDW10 QID bits 15:0. */
    public static void deleteIoCq(MemorySegment s, long offset, int cid, int qid) {
        Sqe.write(s, offset, AdminOpcode.DELETE_IO_CQ.value(), cid, 0, 0, 0, 0, qid & 0xffff, 0, 0, 0, 0, 0);
    }

    private static int queue(int qid, int entries) {
        return (entries - 1) << 16 | (qid & 0xffff);
    }

    /** Set Features {@code fid} (not saved) with feature-specific CDW11. */
    public static void setFeatures(MemorySegment s, long offset, int cid, FeatureId fid, int cdw11) {
        Sqe.write(s, offset, AdminOpcode.SET_FEATURES.value(), cid, 0, 0, 0, 0, fid.value(), cdw11, 0, 0, 0, 0);
    }

    /** Get Features {@code fid}, the current value (SEL 0, CDW10 bits 10:8). */
    public static void getFeatures(MemorySegment s, long offset, int cid, FeatureId fid) {
        Sqe.write(s, offset, AdminOpcode.GET_FEATURES.value(), cid, 0, 0, 0, 0, fid.value(), 0, 0, 0, 0, 0);
    }

    /**
     * Set Features, Number of Queues: asks for {@code sqs} I/O submission and {@code cqs} I/O
     * completion queues. CDW11: NCQR bits 31:16, NSQR bits 15:0, both 0's based.
     */
    public static void setNumberOfQueues(MemorySegment s, long offset, int cid, int sqs, int cqs) {
        setFeatures(s, offset, cid, FeatureId.NUMBER_OF_QUEUES, numberOfQueues(sqs, cqs));
    }

    /** Number of Queues as CDW11 of Set Features and completion dword 0 carry it: CQs bits 31:16, SQs bits 15:0, 0's based. */
    public static int numberOfQueues(int sqs, int cqs) {
        return (cqs - 1) << 16 | ((sqs - 1) & 0xffff);
    }

    /** I/O submission queues in a Number of Queues value (NSQR or NSQA, bits 15:0, 0's based). */
    public static int submissionQueuesOf(int value) {
        return (value & 0xffff) + 1;
    }

    /** I/O completion queues in a Number of Queues value (NCQR or NCQA, bits 31:16, 0's based). */
    public static int completionQueuesOf(int value) {
        return (value >>> 16) + 1;
    }

    /**
     * Get Log Page {@code lid} for {@code nsid}: {@code bytes} (a multiple of 4) from offset 0 to
     * PRP1/PRP2. CDW10: NUMDL bits 31:16, RAE bit 15 (0), LSP bits 14:8 (0), LID bits 7:0. CDW11:
     * LSI bits 31:16 (0), NUMDU bits 15:0; NUMD, the dword count, is 0's based.
     */
    public static void getLogPage(
            MemorySegment s, long offset, int cid, LogPageId lid, int nsid, long bytes, long prp1, long prp2) {
        long numd = bytes / 4 - 1;
        Sqe.write(
                s,
                offset,
                AdminOpcode.GET_LOG_PAGE.value(),
                cid,
                nsid,
                0,
                prp1,
                prp2,
                (int) (numd & 0xffff) << 16 | lid.value(),
                (int) (numd >>> 16 & 0xffff),
                0,
                0,
                0,
                0);
    }

    /** Abort command {@code abortCid} of submission queue {@code sqid}: CDW10 CID bits 31:16, SQID bits 15:0. */
    public static void abort(MemorySegment s, long offset, int cid, int sqid, int abortCid) {
        Sqe.write(
                s, offset, AdminOpcode.ABORT.value(), cid, 0, 0, 0, 0, abortCid << 16 | (sqid & 0xffff), 0, 0, 0, 0, 0);
    }

    // --- decoders, for a controller -------------------------------------------------------------

    /** QID of Create/Delete I/O SQ/CQ (CDW10 bits 15:0). */
    public static int queueId(MemorySegment s, long offset) {
        return Sqe.cdw10(s, offset) & 0xffff;
    }

    /** Entries of Create I/O SQ/CQ (QSIZE, CDW10 bits 31:16, plus 1). */
    public static int queueEntries(MemorySegment s, long offset) {
        return (Sqe.cdw10(s, offset) >>> 16) + 1;
    }

    /** PC of Create I/O SQ/CQ (CDW11 bit 0). */
    public static boolean contiguous(MemorySegment s, long offset) {
        return (Sqe.cdw11(s, offset) & PC) != 0;
    }

    /** IEN of Create I/O CQ (CDW11 bit 1). */
    public static boolean interruptsEnabled(MemorySegment s, long offset) {
        return (Sqe.cdw11(s, offset) & IEN) != 0;
    }

    /** IV of Create I/O CQ (CDW11 bits 31:16). */
    public static int interruptVector(MemorySegment s, long offset) {
        return Sqe.cdw11(s, offset) >>> 16;
    }

    /** CQID of Create I/O SQ (CDW11 bits 31:16). */
    public static int completionQueueId(MemorySegment s, long offset) {
        return Sqe.cdw11(s, offset) >>> 16;
    }

    /** CNS of Identify (CDW10 bits 7:0), as the raw value (see {@link Cns#of}). */
    public static int cns(MemorySegment s, long offset) {
        return Sqe.cdw10(s, offset) & 0xff;
    }

    /** FID of Set/Get Features (CDW10 bits 7:0), as the raw value (see {@link FeatureId#of}). */
    public static int featureId(MemorySegment s, long offset) {
        return Sqe.cdw10(s, offset) & 0xff;
    }

    /** LID of Get Log Page (CDW10 bits 7:0), as the raw value (see {@link LogPageId#of}). */
    public static int logPageId(MemorySegment s, long offset) {
        return Sqe.cdw10(s, offset) & 0xff;
    }

    /** Bytes Get Log Page asks for: (NUMDU:NUMDL + 1) dwords. */
    public static long logPageBytes(MemorySegment s, long offset) {
        long numd = (long) (Sqe.cdw11(s, offset) & 0xffff) << 16 | Sqe.cdw10(s, offset) >>> 16;
        return (numd + 1) * 4;
    }

    /** SQID of Abort (CDW10 bits 15:0). */
    public static int abortSqId(MemorySegment s, long offset) {
        return Sqe.cdw10(s, offset) & 0xffff;
    }

    /** CID of the command Abort targets (CDW10 bits 31:16). */
    public static int abortCid(MemorySegment s, long offset) {
        return Sqe.cdw10(s, offset) >>> 16;
    }
}
