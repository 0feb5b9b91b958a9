package org.dma4j.robust;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;

/**
 * A bounded randomized workload, every byte checked against a model: one thread per I/O queue,
 * each owning a disjoint LBA range of the namespace and a byte-array model of it. Each step is,
 * at random, a synchronous Write or Read of 1 to 64 blocks at a random LBA, a batch of up to 8
 * submitted Writes and Reads of disjoint ranges polled to completion, a Write Zeroes (when
 * supported), or a Flush. Every Read is compared with the model byte for byte. Seeded: the seed
 * replays the same operations on each queue (timing between queues aside).
 */
final class Soak {
    /** The figures of one run. */
    record Result(long seed, int queues, long ios, long bytesVerified, long mismatches) {
        @Override
        public String toString() {
            return "soak seed " + seed + ": " + queues + " queues, " + ios + " I/Os, " + bytesVerified
                    + " bytes read and verified, " + mismatches + " mismatches";
        }
    }

    private static final int MAX_BLOCKS = 64;

    private Soak() {}

    static Result run(NvmeController c, DmaSpace space, Namespace ns, int queues, long seconds, long seed)
            throws Exception {
        long region = Math.min(ns.blocks() / queues, 4096); // blocks per queue
        if (region < MAX_BLOCKS * 8) {
            throw new IllegalArgumentException(ns + " is too small for " + queues + " soak queues");
        }
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicLong ios = new AtomicLong();
        AtomicLong verified = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < queues; t++) {
            int index = t;
            threads.add(Thread.ofPlatform().name("soak-" + t).start(() -> {
                try {
                    worker(
                            c,
                            space,
                            ns,
                            index * region,
                            region,
                            new Random(seed * 31 + index),
                            deadline,
                            ios,
                            verified);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(
                    "soak seed " + seed + " failed (replay: -Ddma4j.soak.seed=" + seed + "): " + failure.get(),
                    failure.get());
        }
        return new Result(seed, queues, ios.get(), verified.get(), 0);
    }

    private static void worker(
            NvmeController c,
            DmaSpace space,
            Namespace ns,
            long first,
            long blocks,
            Random r,
            long deadline,
            AtomicLong ios,
            AtomicLong verified) {
        int bs = ns.blockSize();
        byte[] model = new byte[(int) (blocks * bs)];
        long slot = (long) MAX_BLOCKS * bs;
        try (IoQueue q = c.createIoQueue(16);
                DmaBuffer b = space.allocate(8 * slot);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            MemorySegment mem = b.segment();
            // Start from a known state: the whole region written once.
            for (long lba = 0; lba < blocks; lba += MAX_BLOCKS) {
                int n = (int) Math.min(MAX_BLOCKS, blocks - lba);
                fill(mem, 0, n * bs, r, model, (int) (lba * bs));
                q.write(ns, first + lba, n, m, 0);
                ios.incrementAndGet();
            }
            while (System.nanoTime() < deadline) {
                int op = r.nextInt(10);
                if (op < 3) { // write
                    int n = 1 + r.nextInt(MAX_BLOCKS);
                    long lba = r.nextLong(blocks - n + 1);
                    fill(mem, 0, n * bs, r, model, (int) (lba * bs));
                    q.write(ns, first + lba, n, m, 0);
                } else if (op < 6) { // read and verify
                    int n = 1 + r.nextInt(MAX_BLOCKS);
                    long lba = r.nextLong(blocks - n + 1);
                    mem.asSlice(0, (long) n * bs).fill((byte) 0x5a);
                    q.read(ns, first + lba, n, m, 0);
                    verify(mem, 0, n * bs, model, (int) (lba * bs), first + lba, verified);
                } else if (op < 9) { // a batch of submitted writes and reads on disjoint ranges
                    batch(q, ns, m, mem, first, blocks, model, r, ios, verified);
                    continue;
                } else if (c.identify().supportsWriteZeroes() && r.nextBoolean()) {
                    int n = 1 + r.nextInt(MAX_BLOCKS);
                    long lba = r.nextLong(blocks - n + 1);
                    q.writeZeroes(ns, first + lba, n);
                    java.util.Arrays.fill(model, (int) (lba * bs), (int) ((lba + n) * bs), (byte) 0);
                } else {
                    q.flush(ns);
                }
                ios.incrementAndGet();
            }
            // Finally everything, once more.
            for (long lba = 0; lba < blocks; lba += MAX_BLOCKS) {
                int n = (int) Math.min(MAX_BLOCKS, blocks - lba);
                q.read(ns, first + lba, n, m, 0);
                verify(mem, 0, n * bs, model, (int) (lba * bs), first + lba, verified);
                ios.incrementAndGet();
            }
        }
    }

    /** Up to 8 Writes and Reads in flight at once, each on its own slot of the buffer and its own 64-block stripe. */
    private static void batch(
            IoQueue q,
            Namespace ns,
            DmaMapping m,
            MemorySegment mem,
            long first,
            long blocks,
            byte[] model,
            Random r,
            AtomicLong ios,
            AtomicLong verified) {
        int bs = ns.blockSize();
        int k = 1 + r.nextInt(8);
        long stripes = blocks / MAX_BLOCKS;
        long base = r.nextLong(stripes - k + 1);
        int[] cids = new int[k];
        boolean[] write = new boolean[k];
        int[] count = new int[k];
        long[] lbas = new long[k];
        for (int i = 0; i < k; i++) {
            long off = (long) i * MAX_BLOCKS * bs;
            count[i] = 1 + r.nextInt(MAX_BLOCKS);
            lbas[i] = (base + i) * MAX_BLOCKS + r.nextInt(MAX_BLOCKS - count[i] + 1);
            write[i] = r.nextBoolean();
            if (write[i]) {
                fill(mem, off, count[i] * bs, r, model, (int) (lbas[i] * bs));
                cids[i] = q.submitWrite(ns, first + lbas[i], count[i], m, off);
            } else {
                mem.asSlice(off, (long) count[i] * bs).fill((byte) 0x5a);
                cids[i] = q.submitRead(ns, first + lbas[i], count[i], m, off);
            }
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (int i = 0; i < k; i++) {
            while (!q.isDone(cids[i])) {
                if (q.poll() == 0 && System.nanoTime() > deadline) {
                    throw new AssertionError("a batch command did not complete within 10 s");
                }
            }
            q.finish(cids[i]);
            if (!write[i]) {
                verify(
                        mem,
                        (long) i * MAX_BLOCKS * bs,
                        count[i] * bs,
                        model,
                        (int) (lbas[i] * bs),
                        first + lbas[i],
                        verified);
            }
            ios.incrementAndGet();
        }
    }

    private static void fill(MemorySegment mem, long off, int bytes, Random r, byte[] model, int at) {
        for (int i = 0; i < bytes; i += 8) {
            long v = r.nextLong();
            mem.set(ValueLayout.JAVA_LONG_UNALIGNED, off + i, v);
            for (int j = 0; j < 8; j++) {
                model[at + i + j] = (byte) (v >>> (8 * j));
            }
        }
    }

    private static void verify(
            MemorySegment mem, long off, int bytes, byte[] model, int at, long lba, AtomicLong verified) {
        long mismatch =
                mem.asSlice(off, bytes).mismatch(MemorySegment.ofArray(model).asSlice(at, bytes));
        if (mismatch >= 0) {
            throw new AssertionError("byte " + mismatch + " of a read at LBA " + lba + " is 0x"
                    + Integer.toHexString(mem.get(ValueLayout.JAVA_BYTE, off + mismatch) & 0xff) + ", the model says 0x"
                    + Integer.toHexString(model[at + (int) mismatch] & 0xff));
        }
        verified.addAndGet(bytes);
    }
}
