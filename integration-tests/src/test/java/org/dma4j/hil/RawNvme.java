package org.dma4j.hil;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Just enough of an NVMe controller, by its registers (NVMe base spec, PCIe transport), to prove
 * real DMA through the raw layer: reset, admin queues, enable, one Identify. The NVMe driver of
 * a later layer replaces it. Queues live in caller-mapped memory at caller-given IOVAs.
 */
public final class RawNvme {
    public static final int CAP = 0x00,
            VS = 0x08,
            CC = 0x14,
            CSTS = 0x1C,
            AQA = 0x24,
            ASQ = 0x28,
            ACQ = 0x30,
            DOORBELLS = 0x1000;
    private static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();
    private static final int ENTRIES = 8;

    /** 32-bit register access: a raw BAR mmap or a {@code org.dma4j.pci.Bar}. */
    public interface Regs {
        int read32(long offset);

        void write32(long offset, int value);

        static Regs of(MemorySegment bar0) {
            return new Regs() {
                public int read32(long off) {
                    return (int) U32.getVolatile(bar0, off);
                }

                public void write32(long off, int v) {
                    U32.setVolatile(bar0, off, v);
                }
            };
        }

        static Regs of(org.dma4j.pci.Bar bar) {
            return new Regs() {
                public int read32(long off) {
                    return bar.read32(off);
                }

                public void write32(long off, int v) {
                    bar.write32(off, v);
                }
            };
        }
    }

    private final Regs bar0;
    private final MemorySegment sq;
    private final MemorySegment cq;
    private int sqTail;
    private int cqHead;
    private int phase = 1;
    private short cid;

    /** @param sq, cq one page each, already mapped for the device at {@code sqIova}, {@code cqIova} */
    public RawNvme(MemorySegment bar0, MemorySegment sq, long sqIova, MemorySegment cq, long cqIova) {
        this(Regs.of(bar0), sq, sqIova, cq, cqIova);
    }

    public RawNvme(Regs bar0, MemorySegment sq, long sqIova, MemorySegment cq, long cqIova) {
        this.bar0 = bar0;
        this.sq = sq;
        this.cq = cq;
        disable();
        write32(AQA, (ENTRIES - 1) | (ENTRIES - 1) << 16);
        write64(ASQ, sqIova);
        write64(ACQ, cqIova);
        // CC: EN, CSS=NVM, MPS=4 KiB, AMS=round robin, IOSQES=64 B (2^6), IOCQES=16 B (2^4)
        write32(CC, 1 | 6 << 16 | 4 << 20);
        waitReady(true);
    }

    public int read32(int off) {
        return bar0.read32(off);
    }

    long read64(int off) { // as two dword reads, low first: what every controller accepts
        return Integer.toUnsignedLong(read32(off)) | (long) read32(off + 4) << 32;
    }

    public void write32(int off, int v) {
        bar0.write32(off, v);
    }

    void write64(int off, long v) {
        write32(off, (int) v);
        write32(off + 4, (int) (v >>> 32));
    }

    /** CAP.TO: worst-case ready time, in 500 ms units. */
    long timeoutMillis() {
        return ((read64(CAP) >>> 24) & 0xff) * 500 + 1000;
    }

    public void disable() {
        write32(CC, read32(CC) & ~1);
        waitReady(false);
    }

    private void waitReady(boolean ready) {
        long deadline = System.nanoTime() + timeoutMillis() * 1_000_000;
        while (((read32(CSTS) & 1) == 1) != ready) {
            if ((read32(CSTS) & 2) != 0) {
                throw new IllegalStateException("controller fatal status (CSTS.CFS)");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("CSTS.RDY did not become " + (ready ? 1 : 0) + " within CAP.TO");
            }
            Thread.onSpinWait();
        }
    }

    /** Identify (CNS 1, controller) into {@code prp1}; returns the completion's status field (0 = success). */
    public int identifyController(long prp1) {
        MemorySegment sqe = sq.asSlice((long) sqTail * 64, 64);
        sqe.fill((byte) 0);
        sqe.set(ValueLayout.JAVA_INT, 0, 0x06 | (++cid & 0xffff) << 16); // CDW0: opcode, CID
        sqe.set(ValueLayout.JAVA_LONG, 24, prp1); // DPTR.PRP1
        sqe.set(ValueLayout.JAVA_INT, 40, 1); // CDW10: CNS = controller
        sqTail = (sqTail + 1) % ENTRIES;
        VarHandle.releaseFence(); // the entry is in memory before the doorbell publishes it
        write32(DOORBELLS, sqTail);

        MemorySegment cqe = cq.asSlice((long) cqHead * 16, 16);
        long deadline = System.nanoTime() + 5_000_000_000L;
        int dw3;
        while ((((dw3 = (int) U32.getVolatile(cqe, 12L)) >>> 16) & 1) != phase) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no completion for Identify within 5 s");
            }
            Thread.onSpinWait();
        }
        if ((short) dw3 != cid) {
            throw new IllegalStateException("completion for CID " + (short) dw3 + ", expected " + cid);
        }
        cqHead = (cqHead + 1) % ENTRIES;
        if (cqHead == 0) {
            phase ^= 1;
        }
        int dstrd = (int) ((read64(CAP) >>> 32) & 0xf);
        write32(DOORBELLS + (4 << dstrd), cqHead);
        return dw3 >>> 17;
    }

    /** An ASCII field of the Identify Controller data, trimmed (SN at 4, MN at 24, FR at 64). */
    public static String ascii(MemorySegment id, int offset, int length) {
        byte[] b = id.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
        return new String(b, java.nio.charset.StandardCharsets.US_ASCII).trim();
    }
}
