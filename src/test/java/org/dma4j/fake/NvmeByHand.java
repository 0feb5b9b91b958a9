package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.NvmeRegs;
import org.dma4j.pci.Bar;
import org.dma4j.pci.PciAddress;

/**
 * The fake NVMe controller driven by hand, byte by byte, as a buggy driver would: admin queues
 * and one I/O queue pair in one mapped buffer, commands written as raw entries, doorbells rung
 * at the configured stride. Memory: page 0 admin SQ, 1 admin CQ, 2 I/O SQ, 3 I/O CQ, 4-7 PRP
 * lists, 8 on data.
 */
final class NvmeByHand implements AutoCloseable {
    static final int CC_QES = NvmeRegs.CC_IOSQES_64 | NvmeRegs.CC_IOCQES_16;
    static final long PAGE = 4096;
    static final int DATA_PAGES = 24;

    final FakeDmaSpace space = FakeDmaSpace.open();
    final FakeNvme nvme;
    final FakePciDevice dev;
    final Bar bar;
    final DmaBuffer mem;
    final DmaMapping map;
    final MemorySegment s;
    final long base;
    final int stride;
    private final int[] size = new int[4]; // SQ0, CQ0, SQ1, CQ1
    private final int[] tail = new int[2];
    private final int[] head = new int[2];
    private final int[] phase = {1, 1};

    NvmeByHand(FakeNvme.Config config) {
        nvme = new FakeNvme(config);
        dev = FakeNvme.device(PciAddress.parse("0000:00:07.0"), space, nvme);
        dev.setBusMaster(true);
        bar = dev.bar(0);
        mem = DmaBuffer.allocate((8 + DATA_PAGES) * PAGE);
        map = space.map(mem, DmaDirection.BIDIRECTIONAL);
        s = mem.segment();
        base = map.iova().value();
        stride = 4 << (int) ((bar.read64(NvmeRegs.CAP) >>> 32) & 0xf);
    }

    long page(int n) {
        return base + n * PAGE;
    }

    /** Programs admin queues of {@code sqSize}/{@code cqSize} entries and writes CC (EN plus {@code cc}); no waiting. */
    void enable(int sqSize, int cqSize, int cc) {
        size[0] = sqSize;
        size[1] = cqSize;
        bar.write32(NvmeRegs.AQA, (sqSize - 1) | (cqSize - 1) << 16);
        bar.write64(NvmeRegs.ASQ, page(0));
        bar.write64(NvmeRegs.ACQ, page(1));
        bar.write32(NvmeRegs.CC, NvmeRegs.CC_EN | cc);
    }

    /** Waits (sleeping) up to 10 s for CSTS.RDY to read {@code ready}; returns the milliseconds it took. */
    long awaitReady(boolean ready) {
        long t0 = System.nanoTime();
        while (((bar.read32(NvmeRegs.CSTS) & 1) != 0) != ready) {
            if (System.nanoTime() - t0 > 10_000_000_000L) {
                throw new AssertionError("CSTS.RDY did not become " + ready);
            }
            sleep(1);
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Writes a command into queue {@code q}'s next SQ slot (no doorbell); returns its CID (the slot number plus 100). */
    int put(int q, int opc, int nsid, long prp1, long prp2, int cdw10, int cdw11, int cdw12) {
        long at = (q == 0 ? 0 : 2 * PAGE) + tail[q] * 64L;
        int cid = 100 + tail[q];
        s.asSlice(at, 64).fill((byte) 0);
        s.set(ValueLayout.JAVA_INT, at, opc | cid << 16);
        s.set(ValueLayout.JAVA_INT, at + 4, nsid);
        s.set(ValueLayout.JAVA_LONG, at + 24, prp1);
        s.set(ValueLayout.JAVA_LONG, at + 32, prp2);
        s.set(ValueLayout.JAVA_INT, at + 40, cdw10);
        s.set(ValueLayout.JAVA_INT, at + 44, cdw11);
        s.set(ValueLayout.JAVA_INT, at + 48, cdw12);
        tail[q] = (tail[q] + 1) % size[2 * q];
        return cid;
    }

    /** Get Features, Number of Queues: an admin command that moves no data. */
    int putGetFeatures() {
        return put(0, 0x0a, 0, 0, 0, 7, 0, 0);
    }

    void ring(int q) {
        ringSq(q, tail[q]);
    }

    void ringSq(int q, int value) {
        bar.write32(NvmeRegs.DOORBELLS + 2 * q * stride, value);
    }

    void ringCq(int q, int value) {
        bar.write32(NvmeRegs.DOORBELLS + (2 * q + 1) * stride, value);
    }

    private long cqe(int q, int i) {
        return (q == 0 ? PAGE : 3 * PAGE) + i * 16L;
    }

    /** Whether CQ entry {@code i} of queue {@code q} carries phase tag {@code p}. */
    boolean posted(int q, int i, int p) {
        return ((s.get(ValueLayout.JAVA_INT, cqe(q, i) + 12) >>> 16) & 1) == p;
    }

    int cid(int q, int i) {
        return s.get(ValueLayout.JAVA_INT, cqe(q, i) + 12) & 0xffff;
    }

    /** The status field (SCT << 8 | SC) of CQ entry {@code i}. */
    int status(int q, int i) {
        return s.get(ValueLayout.JAVA_INT, cqe(q, i) + 12) >>> 17 & 0x7ff;
    }

    /** The Do Not Retry bit (4000h of the status field) of the {@code back}-th last completion consumed on queue {@code q}. */
    int dnr(int q, int back) {
        int i = ((head[q] - 1 - back) % size[2 * q + 1] + size[2 * q + 1]) % size[2 * q + 1];
        return s.get(ValueLayout.JAVA_INT, cqe(q, i) + 12) >>> 17 & 0x4000;
    }

    int sqHead(int q, int i) {
        return s.get(ValueLayout.JAVA_SHORT, cqe(q, i) + 8) & 0xffff;
    }

    /** Waits for the next completion of queue {@code q}, consumes it (ringing the head doorbell) and returns its status. */
    int next(int q) {
        long t0 = System.nanoTime();
        while (!posted(q, head[q], phase[q])) {
            if (System.nanoTime() - t0 > 10_000_000_000L) {
                throw new AssertionError("no completion on queue " + q);
            }
            sleep(1);
        }
        int st = status(q, head[q]);
        if (++head[q] == size[2 * q + 1]) {
            head[q] = 0;
            phase[q] ^= 1;
        }
        ringCq(q, head[q]);
        return st;
    }

    /** Submits one admin command and returns its status. */
    int admin(int opc, long prp1, int cdw10, int cdw11) {
        put(0, opc, 0, prp1, 0, cdw10, cdw11, 0);
        ring(0);
        return next(0);
    }

    /** Set Features (one I/O queue pair), Create I/O CQ 1 and SQ 1 of {@code entries} entries at pages 3 and 2. */
    void createIoQueue(int entries) {
        size[2] = entries;
        size[3] = entries;
        check(admin(0x09, 0, 7, 0), "Set Features");
        check(admin(0x05, page(3), (entries - 1) << 16 | 1, 1), "Create I/O CQ");
        check(admin(0x01, page(2), (entries - 1) << 16 | 1, 1 << 16 | 1), "Create I/O SQ");
    }

    static void check(int status, String what) {
        if (status != 0) {
            throw new AssertionError(what + " failed with status 0x" + Integer.toHexString(status));
        }
    }

    @Override
    public void close() {
        dev.close();
        map.close();
        mem.close();
        space.close();
    }
}
