package org.dma4j.fake;

import static org.dma4j.nvme.spec.StatusCode.APPLICATION_TAG_CHECK_ERROR;
import static org.dma4j.nvme.spec.StatusCode.GUARD_CHECK_ERROR;
import static org.dma4j.nvme.spec.StatusCode.INVALID_FIELD;
import static org.dma4j.nvme.spec.StatusCode.INVALID_PROTECTION_INFORMATION;
import static org.dma4j.nvme.spec.StatusCode.REFERENCE_TAG_CHECK_ERROR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.BiFunction;
import org.dma4j.Iova;
import org.dma4j.nvme.spec.NvmCommands;
import org.dma4j.nvme.spec.PiTuple;
import org.dma4j.nvme.spec.Sqe;

/**
 * The fake NVMe controller's Read and Write with metadata, as QEMU does them (NVM command set
 * spec, "End-to-end Data Protection"): an extended-LBA format moves data+metadata per block
 * through the PRPs; a separate-metadata format moves the data through the PRPs and the metadata
 * to or from the one buffer MPTR points to. With protection information (8-byte tuples, 16-bit
 * guard: CRC-16 T10-DIF over the data, and the metadata before the PI when it is last) PRACT makes the controller generate it on writes and check and strip
 * it on reads when the metadata is only that tuple; PRCHK selects the guard, application tag and
 * reference tag checks. MPTR = 0 when metadata must cross is a driver bug: a real controller
 * would DMA to address 0.
 */
final class FakeRw {
    private FakeRw() {}

    /** The status of Read ({@code read}) or Write {@code e} of {@code nlb} blocks at {@code slba} (range checked). */
    static int run(
            boolean read,
            FakeNamespace ns,
            MemorySegment e,
            long slba,
            int nlb,
            long maxTransfer,
            Prp prp,
            DeviceContext ctx,
            BiFunction<FakeNvme.Bug, String, FakeNvme.DriverBug> bug) {
        long mptr = Sqe.mptr(e, 0);
        long prp1 = Sqe.prp1(e, 0);
        long prp2 = Sqe.prp2(e, 0);
        int ilbrt = NvmCommands.refTag(e, 0);
        boolean pract = NvmCommands.pract(e, 0);
        int prchk = NvmCommands.prchk(e, 0);
        int lbat = NvmCommands.appTag(e, 0);
        int lbatm = NvmCommands.appTagMask(e, 0);
        int ds = ns.dataSize();
        int ms = ns.metadataSize();
        int pi = ns.piType();
        boolean practOnly = pi != 0 && pract && ms == 8; // the controller keeps the whole metadata
        boolean inline = ms != 0 && ns.extended() && !practOnly;
        boolean separate = ms != 0 && !ns.extended() && !practOnly;
        long dataBytes = (long) nlb * ds;
        long metaBytes = (long) nlb * ms;
        long mapped = dataBytes + (inline ? metaBytes : 0);
        if (maxTransfer != 0 && mapped > maxTransfer) {
            return INVALID_FIELD.withDnr(); // beyond MDTS, metadata counted as QEMU counts it
        }
        if (pi == 1 && (prchk & PRCHK_REFTAG) != 0 && (int) slba != ilbrt) {
            return INVALID_PROTECTION_INFORMATION.withDnr(); // type 1's reference tag is the LBA
        }
        if (separate && (mptr == 0 || (mptr & 3) != 0)) {
            throw bug.apply(
                    FakeNvme.Bug.BAD_METADATA_POINTER,
                    (read ? "Read" : "Write") + " (CID " + Sqe.cid(e, 0)
                            + ") of " + nlb + " blocks on a namespace with " + ms
                            + " bytes of separate metadata per block gives MPTR 0x"
                            + Long.toHexString(mptr) + "; it must point to a dword-aligned buffer of " + metaBytes
                            + " bytes (a controller would DMA the metadata there)");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(dataBytes, 8);
            MemorySegment md = ms == 0 ? null : a.allocate(metaBytes, 8);
            MemorySegment host = inline ? a.allocate(mapped, 8) : data;
            if (read) {
                ns.read(slba, data, md);
                if (pi != 0) {
                    int status = check(ns, data, md, nlb, prchk, ilbrt, lbat, lbatm);
                    if (status != 0) {
                        return status;
                    }
                }
                if (inline) {
                    interleave(data, md, host, nlb, ds, ms, true);
                }
                prp.transfer(prp1, prp2, host, mapped, true);
                if (separate) {
                    ctx.dmaWrite(Iova.of(mptr), md);
                }
            } else {
                prp.transfer(prp1, prp2, host, mapped, false);
                if (inline) {
                    interleave(data, md, host, nlb, ds, ms, false);
                }
                if (separate) {
                    ctx.dmaRead(Iova.of(mptr), md);
                }
                if (pi != 0 && pract) {
                    generate(ns, data, md, nlb, ilbrt, lbat);
                } else if (pi != 0) {
                    int status = check(ns, data, md, nlb, prchk, ilbrt, lbat, lbatm);
                    if (status != 0) {
                        return status;
                    }
                }
                ns.write(slba, data, md);
            }
        }
        return 0;
    }

    /**
     * Write Zeroes {@code e}: zero data; with protection information and PRACT the controller
     * generates the PI for the zeroes (as QEMU does), else the metadata reads as unwritten.
     */
    static void writeZeroes(FakeNamespace ns, MemorySegment e, long slba, int nlb) {
        ns.zero(slba, nlb);
        if (ns.piType() == 0 || !NvmCommands.pract(e, 0)) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate((long) nlb * ns.dataSize(), 8);
            MemorySegment md = a.allocate((long) nlb * ns.metadataSize(), 8);
            ns.read(slba, data, md);
            generate(ns, data, md, nlb, NvmCommands.refTag(e, 0), NvmCommands.appTag(e, 0));
            ns.write(slba, data, md);
        }
    }

    /** Between per-block data and metadata and the extended layout (data then metadata, block by block). */
    private static void interleave(
            MemorySegment data, MemorySegment md, MemorySegment host, int nlb, int ds, int ms, boolean toHost) {
        for (long i = 0; i < nlb; i++) {
            MemorySegment d = data.asSlice(i * ds, ds);
            MemorySegment m = md.asSlice(i * ms, ms);
            MemorySegment h = host.asSlice(i * (ds + ms), ds + ms);
            if (toHost) {
                h.asSlice(0, ds).copyFrom(d);
                h.asSlice(ds, ms).copyFrom(m);
            } else {
                d.copyFrom(h.asSlice(0, ds));
                m.copyFrom(h.asSlice(ds, ms));
            }
        }
    }

    /** PRCHK bits as {@link NvmCommands#prchk} returns them. */
    private static final int PRCHK_GUARD = 4, PRCHK_APPTAG = 2, PRCHK_REFTAG = 1;

    private static long tuple(FakeNamespace ns, long block) {
        return block * ns.metadataSize() + (ns.piFirst() ? 0 : ns.metadataSize() - PiTuple.SIZE);
    }

    /** PRACT: the guard (see guard()), the application tag LBAT, the reference tag ILBRT counting up (types 1, 2). */
    private static void generate(FakeNamespace ns, MemorySegment data, MemorySegment md, int nlb, int ilbrt, int lbat) {
        for (int i = 0; i < nlb; i++) {
            PiTuple.set(md, tuple(ns, i), guard(ns, data, md, i), lbat, ns.piType() == 3 ? ilbrt : ilbrt + i);
        }
    }

    /** The PRCHK checks; a block whose application tag is FFFFh (and type 3 reference tag FFFFFFFFh) is not checked. */
    private static int check(
            FakeNamespace ns,
            MemorySegment data,
            MemorySegment md,
            int nlb,
            int prchk,
            int ilbrt,
            int lbat,
            int lbatm) {
        for (int i = 0; i < nlb; i++) {
            long t = tuple(ns, i);
            int g = PiTuple.guard(md, t);
            int app = PiTuple.appTag(md, t);
            int ref = PiTuple.refTag(md, t);
            if (app == 0xffff && (ns.piType() != 3 || ref == -1)) {
                continue;
            }
            if ((prchk & PRCHK_GUARD) != 0 && g != guard(ns, data, md, i)) {
                return GUARD_CHECK_ERROR.field();
            }
            if ((prchk & PRCHK_APPTAG) != 0 && (app & lbatm) != (lbat & lbatm)) {
                return APPLICATION_TAG_CHECK_ERROR.field();
            }
            if ((prchk & PRCHK_REFTAG) != 0 && ns.piType() != 3 && ref != ilbrt + i) {
                return REFERENCE_TAG_CHECK_ERROR.field();
            }
        }
        return 0;
    }

    /**
     * The guard of block {@code i}: CRC-16 over its data and, when the protection information is
     * the last 8 bytes of larger metadata, over the metadata bytes before it (as QEMU computes it).
     */
    private static int guard(FakeNamespace ns, MemorySegment data, MemorySegment md, int i) {
        int ds = ns.dataSize();
        int crc = crc16(0, data.asSlice((long) i * ds, ds));
        int before = ns.piFirst() ? 0 : ns.metadataSize() - PiTuple.SIZE;
        return before == 0 ? crc : crc16(crc, md.asSlice((long) i * ns.metadataSize(), before));
    }

    /** CRC-16 T10-DIF: polynomial 8BB7h, initial value 0, not reflected. */
    static int crc16(MemorySegment s) {
        return crc16(0, s);
    }

    /** CRC-16 T10-DIF of {@code s} continued from {@code crc}. */
    static int crc16(int crc, MemorySegment s) {
        for (long i = 0; i < s.byteSize(); i++) {
            crc ^= (s.get(ValueLayout.JAVA_BYTE, i) & 0xff) << 8;
            for (int b = 0; b < 8; b++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x8bb7 : crc << 1;
            }
            crc &= 0xffff;
        }
        return crc;
    }
}
