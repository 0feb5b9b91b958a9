package org.dma4j.nvme.spec;

import java.lang.foreign.MemorySegment;

/**
 * Encoders of the NVM command set's I/O commands dma4j sends, and the decoders a controller (the
 * fake) reads them back with (NVM Command Set Specification 1.0, section 3). An encoder writes a
 * whole {@link Sqe} at {@code offset} of {@code s} and allocates nothing: a driver calls it on its
 * queue slot for every I/O. Block counts are passed as the number meant and encoded 0's based here.
 *
 * <p>Read, Write and Write Zeroes share CDW10-15: SLBA in CDW10 (low) and CDW11 (high); CDW12
 * with LR bit 31, FUA bit 30, PRINFO bits 29:26 (PRACT bit 29, PRCHK bits 28:26: guard,
 * application tag, reference tag) and NLB bits 15:0; CDW14 the initial logical block reference
 * tag (ILBRT, EILBRT on Read); CDW15 LBATM bits 31:16 and LBAT bits 15:0.
 */
public final class NvmCommands {
    private NvmCommands() {}

    /** CDW12 bit 31: Limited Retry. */
    public static final int LR = 1 << 31;
    /** CDW12 bit 30: Force Unit Access. */
    public static final int FUA = 1 << 30;
    /** CDW12 bit 29: Protection Information Action; the controller inserts (write) or strips (read) the PI. */
    public static final int PRACT = 1 << 29;
    /** CDW12 bit 28: check the guard. */
    public static final int PRCHK_GUARD = 1 << 28;
    /** CDW12 bit 27: check the application tag. */
    public static final int PRCHK_APPTAG = 1 << 27;
    /** CDW12 bit 26: check the reference tag. */
    public static final int PRCHK_REFTAG = 1 << 26;
    /** Write Zeroes CDW12 bit 25: deallocate the blocks. */
    public static final int DEAC = 1 << 25;
    /** Dataset Management CDW11 attributes: integral dataset for read (bit 0), for write (bit 1), deallocate (bit 2). */
    public static final int DSM_IDR = 1, DSM_IDW = 1 << 1, DSM_AD = 1 << 2;

    /**
     * Read {@code blocks} (1 to 65536) logical blocks at {@code slba} of namespace {@code nsid} into
     * PRP1/PRP2 (and the metadata to {@code mptr}, 0 if none moves separately). {@code flags} are
     * the CDW12 bits above NLB ({@link #PRACT}, {@link #PRCHK_GUARD}, {@link #FUA}, ...);
     * {@code refTag} is EILBRT (CDW14).
     */
    public static void read(
            MemorySegment s,
            long offset,
            int cid,
            int nsid,
            long slba,
            int blocks,
            long prp1,
            long prp2,
            long mptr,
            int flags,
            int refTag) {
        rw(s, offset, NvmOpcode.READ, cid, nsid, slba, blocks, prp1, prp2, mptr, flags, refTag);
    }

    /** Write, as {@link #read} with data going the other way; {@code refTag} is ILBRT. */
    public static void write(
            MemorySegment s,
            long offset,
            int cid,
            int nsid,
            long slba,
            int blocks,
            long prp1,
            long prp2,
            long mptr,
            int flags,
            int refTag) {
        rw(s, offset, NvmOpcode.WRITE, cid, nsid, slba, blocks, prp1, prp2, mptr, flags, refTag);
    }

    /** Read or Write ({@code op}), as {@link #read}. */
    public static void rw(
            MemorySegment s,
            long offset,
            NvmOpcode op,
            int cid,
            int nsid,
            long slba,
            int blocks,
            long prp1,
            long prp2,
            long mptr,
            int flags,
            int refTag) {
        Sqe.write(
                s,
                offset,
                op.value(),
                cid,
                nsid,
                mptr,
                prp1,
                prp2,
                (int) slba,
                (int) (slba >>> 32),
                flags & 0xffff_0000 | (blocks - 1) & 0xffff,
                0,
                refTag,
                0);
    }

    /**
     * Write Zeroes of {@code blocks} (1 to 65536) at {@code slba}; {@code flags} as for Write
     * (with PRACT the controller generates the protection information) plus {@link #DEAC}.
     */
    public static void writeZeroes(
            MemorySegment s, long offset, int cid, int nsid, long slba, int blocks, int flags, int refTag) {
        Sqe.write(
                s,
                offset,
                NvmOpcode.WRITE_ZEROES.value(),
                cid,
                nsid,
                0,
                0,
                0,
                (int) slba,
                (int) (slba >>> 32),
                flags & 0xffff_0000 | (blocks - 1) & 0xffff,
                0,
                refTag,
                0);
    }

    /** Flush of namespace {@code nsid}: volatile write cache to non-volatile media. */
    public static void flush(MemorySegment s, long offset, int cid, int nsid) {
        Sqe.write(s, offset, NvmOpcode.FLUSH.value(), cid, nsid, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * Dataset Management of {@code ranges} (1 to 256) {@link DsmRange}s at PRP1/PRP2 with
     * {@code attributes} ({@link #DSM_AD} to deallocate). CDW10: NR bits 7:0, 0's based.
     */
    public static void datasetManagement(
            MemorySegment s, long offset, int cid, int nsid, int ranges, int attributes, long prp1, long prp2) {
        Sqe.write(
                s,
                offset,
                NvmOpcode.DATASET_MANAGEMENT.value(),
                cid,
                nsid,
                0,
                prp1,
                prp2,
                (ranges - 1) & 0xff,
                attributes,
                0,
                0,
                0,
                0);
    }

    // --- decoders, for a controller -------------------------------------------------------------

    /** SLBA of Read, Write, Write Zeroes (CDW11:CDW10). */
    public static long slba(MemorySegment s, long offset) {
        return (long) Sqe.cdw11(s, offset) << 32 | Integer.toUnsignedLong(Sqe.cdw10(s, offset));
    }

    /** Blocks of Read, Write, Write Zeroes (NLB, CDW12 bits 15:0, plus 1). */
    public static int blocks(MemorySegment s, long offset) {
        return (Sqe.cdw12(s, offset) & 0xffff) + 1;
    }

    /** PRACT of Read, Write, Write Zeroes (CDW12 bit 29). */
    public static boolean pract(MemorySegment s, long offset) {
        return (Sqe.cdw12(s, offset) & PRACT) != 0;
    }

    /** PRCHK of Read, Write, Write Zeroes (CDW12 bits 28:26): bit 2 guard, bit 1 application tag, bit 0 reference tag. */
    public static int prchk(MemorySegment s, long offset) {
        return Sqe.cdw12(s, offset) >>> 26 & 7;
    }

    /** ILBRT (EILBRT on Read), CDW14. */
    public static int refTag(MemorySegment s, long offset) {
        return Sqe.cdw14(s, offset);
    }

    /** LBAT, the (expected) logical block application tag (CDW15 bits 15:0). */
    public static int appTag(MemorySegment s, long offset) {
        return Sqe.cdw15(s, offset) & 0xffff;
    }

    /** LBATM, the application tag mask (CDW15 bits 31:16). */
    public static int appTagMask(MemorySegment s, long offset) {
        return Sqe.cdw15(s, offset) >>> 16;
    }

    /** Ranges of Dataset Management (NR, CDW10 bits 7:0, plus 1). */
    public static int dsmRanges(MemorySegment s, long offset) {
        return (Sqe.cdw10(s, offset) & 0xff) + 1;
    }

    /** Attributes of Dataset Management (CDW11): {@link #DSM_AD}, {@link #DSM_IDW}, {@link #DSM_IDR}. */
    public static int dsmAttributes(MemorySegment s, long offset) {
        return Sqe.cdw11(s, offset);
    }
}
