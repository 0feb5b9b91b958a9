package org.dma4j.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.dma4j.Iova;
import org.dma4j.fake.DeviceContext;
import org.dma4j.fake.DeviceModel;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.pci.PciAddress;

/**
 * The null device model: the trivial in-thread NVMe queue protocol of tools/bench/c/nullnvme.c
 * and nothing else. Bring-up, admin commands and register reads go to a {@link FakeNvme}; an I/O
 * SQ tail doorbell completes every new entry at once (64 B SQE in, 16 B CQE with phase out,
 * status 0, no checks, no data, no allocation), and CQ head doorbells are ignored. It learns where
 * the I/O queues are by reading the Create I/O CQ/SQ commands the driver sends, once, at setup.
 * What is left in a benchmark against it is the driver's own cost per I/O.
 */
public final class NullNvme implements DeviceModel {
    private static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();
    private static final int DOORBELLS = 0x1000;
    private static final int MAX_QUEUES = 64;

    private final FakeNvme admin;
    private final FakeDmaSpace space;
    private long asq;
    private int adminEntries;
    private int adminTail;
    /**
     * Per-queue state sits {@code PAD} slots apart (128 bytes of ints), so that queues driven by
     * different threads ({@link NvmeScaleBench}) share no cache line, nor the line prefetched with
     * it, as queue pairs in separate structs would not in C (64 bytes apart cost two threads a
     * fifth of their throughput: 1.62x of one thread instead of 1.90x).
     */
    private static final int PAD = 32;

    private final MemorySegment[] sq = new MemorySegment[MAX_QUEUES];
    private final int[] sqSize = new int[MAX_QUEUES * PAD];
    private final int[] sqHead = new int[MAX_QUEUES * PAD];
    private final int[] sqCq = new int[MAX_QUEUES * PAD];
    private final MemorySegment[] cq = new MemorySegment[MAX_QUEUES];
    private final int[] cqSize = new int[MAX_QUEUES * PAD];
    private final int[] cqTail = new int[MAX_QUEUES * PAD];
    private final int[] cqPhase = new int[MAX_QUEUES * PAD];

    /**
     * A fake PCI device at {@code address}: the null device model over {@code admin} when
     * {@code kind} is "null", else the full {@code admin} FakeNvme itself (the benchmarks' two devices).
     */
    static FakePciDevice device(String kind, PciAddress address, FakeDmaSpace space, FakeNvme admin) {
        return kind.equals("null")
                ? new FakePciDevice(
                        address,
                        space,
                        new NullNvme(admin, space),
                        FakeNvme.VENDOR,
                        FakeNvme.DEVICE,
                        FakeNvme.CLASS,
                        FakeNvme.MSIX_VECTORS)
                : FakeNvme.device(address, space, admin);
    }

    /** A null device whose admin side is {@code admin} (doorbell stride 4, so CAP.DSTRD must be 0). */
    public NullNvme(FakeNvme admin, FakeDmaSpace space) {
        this.admin = admin;
        this.space = space;
    }

    @Override
    public long barSize(int index) {
        return admin.barSize(index);
    }

    @Override
    public long read(int bar, long offset, int width) {
        return admin.read(bar, offset, width);
    }

    @Override
    public void write(int bar, long offset, int width, long value) {
        if (offset >= DOORBELLS + 8) { // an I/O queue's doorbell
            int index = (int) ((offset - DOORBELLS) >>> 2);
            if ((index & 1) == 0) {
                complete(index >>> 1, (int) value);
            }
            return;
        }
        switch ((int) offset) {
            case 0x24 -> adminEntries = ((int) value & 0xfff) + 1;
            case 0x28 -> asq = (asq & 0xffff_ffff_0000_0000L) | (value & 0xffff_ffffL);
            case 0x2c -> asq = (asq & 0xffff_ffffL) | value << 32;
            case DOORBELLS -> snoop((int) value);
            default -> { }
        }
        admin.write(bar, offset, width, value);
    }

    /** The device's whole job per I/O: read the entry's CID, post a success completion with the phase tag last. */
    private void complete(int qid, int tail) {
        MemorySegment s = sq[qid];
        int size = sqSize[qid * PAD];
        int head = sqHead[qid * PAD];
        int c = sqCq[qid * PAD];
        MemorySegment q = cq[c];
        int cp = c * PAD;
        while (head != tail) {
            int cid = s.get(ValueLayout.JAVA_INT, (long) head * 64) >>> 16;
            head = head + 1 == size ? 0 : head + 1;
            int t = cqTail[cp];
            long at = (long) t * 16;
            q.set(ValueLayout.JAVA_LONG, at, 0L);
            q.set(ValueLayout.JAVA_INT, at + 8, head | qid << 16);
            U32.setRelease(q, at + 12, cid | cqPhase[cp] << 16);
            if (++t == cqSize[cp]) {
                t = 0;
                cqPhase[cp] ^= 1;
            }
            cqTail[cp] = t;
        }
        sqHead[qid * PAD] = head;
    }

    /** Admin commands up to the new tail: remember where Create I/O CQ/SQ put their queues. */
    private void snoop(int tail) {
        while (adminTail != tail) {
            MemorySegment e = space.translate(Iova.of(asq + adminTail * 64L), 64, false);
            int opc = e.get(ValueLayout.JAVA_INT, 0) & 0xff;
            int cdw10 = e.get(ValueLayout.JAVA_INT, 40);
            int qid = cdw10 & 0xffff;
            int size = (cdw10 >>> 16) + 1;
            long prp1 = e.get(ValueLayout.JAVA_LONG, 24);
            if (opc == 0x05 && qid < MAX_QUEUES) {
                cq[qid] = space.translate(Iova.of(prp1), size * 16L, true);
                cqSize[qid * PAD] = size;
                cqTail[qid * PAD] = 0;
                cqPhase[qid * PAD] = 1;
            } else if (opc == 0x01 && qid < MAX_QUEUES) {
                sq[qid] = space.translate(Iova.of(prp1), size * 64L, false);
                sqSize[qid * PAD] = size;
                sqHead[qid * PAD] = 0;
                sqCq[qid * PAD] = e.get(ValueLayout.JAVA_INT, 44) >>> 16;
            }
            adminTail = (adminTail + 1) % adminEntries;
        }
    }

    @Override
    public void attach(DeviceContext context) {
        admin.attach(context);
    }

    @Override
    public void reset() {
        adminTail = 0;
        admin.reset();
    }

    @Override
    public void close() {
        admin.close();
    }
}
