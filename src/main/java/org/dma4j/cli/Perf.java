package org.dma4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;

/**
 * {@code dma4j nvme perf}, after {@code spdk_nvme_perf} and fio: one thread per I/O queue keeps
 * {@code depth} commands in flight for {@code seconds}. Progress (the last second's rate) goes to
 * stderr, with {@code \r} only on a terminal; latencies go into HdrHistograms, reads and writes
 * apart, over the whole run. A worker's failure stops the run at once; a cancel (Ctrl-C) returns
 * what was measured so far. The measuring loop allocates nothing.
 */
final class Perf {
    /** Latencies above this (60 s) are recorded as this; the histogram never grows in the loop. */
    static final long HIGHEST_NANOS = 60_000_000_000L;
    private static final long INTERVAL_NANOS = 1_000_000_000L;

    /**
     * @param readPercent 100 = all reads, 0 = all writes
     * @param random random LBAs (aligned to the block size asked) or sequential
     */
    record Options(int depth, int blockSize, int readPercent, boolean random, double seconds, int queues) {
        String workload() {
            return (random ? "rand" : "seq") + (readPercent == 100 ? "read" : readPercent == 0 ? "write" : "mix" + readPercent);
        }
    }

    /** One run's latencies in nanoseconds, reads and writes apart; {@code interrupted} when cancelled. */
    record Result(double seconds, Histogram reads, Histogram writes, boolean interrupted) {
        long ios() {
            return reads.getTotalCount() + writes.getTotalCount();
        }
    }

    private Perf() {}

    static Result run(NvmeController ctrl, Namespace ns, Options o, PrintStream progress, boolean terminal, BooleanSupplier cancelled)
            throws Exception {
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < o.queues(); i++) {
            workers.add(new Worker(ctrl, ns, o, i));
        }
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (Worker w : workers) {
            threads.add(Thread.ofPlatform().name("dma4j-perf-" + w.index).start(w));
        }
        long end = start + (long) (o.seconds() * 1e9);
        long lastPrint = start, lastDone = 0;
        boolean printed = false, interrupted = false;
        try {
            while (System.nanoTime() < end) {
                Thread.sleep(Math.max(1, Math.min(20, (end - System.nanoTime()) / 1_000_000)));
                if (workers.stream().anyMatch(w -> w.failure != null)) {
                    break; // no waiting out --time: the failure is reported below
                }
                if (cancelled.getAsBoolean()) {
                    interrupted = true;
                    break;
                }
                long now = System.nanoTime();
                if (progress != null && now - lastPrint >= INTERVAL_NANOS) {
                    long done = workers.stream().mapToLong(w -> w.done.get()).sum();
                    double rate = (done - lastDone) / ((now - lastPrint) / 1e9);
                    progress.printf("%s  %5.1f s  %10.0f IOPS  %9.1f MiB/s%s", terminal ? "\r" : "", (now - start) / 1e9, rate,
                            rate * o.blockSize() / (1 << 20), terminal ? "" : "\n");
                    progress.flush();
                    printed = true;
                    lastPrint = now;
                    lastDone = done;
                }
            }
        } finally {
            workers.forEach(w -> w.stop = true);
            for (Thread t : threads) {
                t.join();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (progress != null && printed && terminal) {
            progress.println(); // keep the last progress line; the results follow below it
        }
        Exception first = null;
        for (Worker w : workers) {
            if (w.failure != null) {
                if (first == null) {
                    first = w.failure;
                } else if (first != w.failure) {
                    first.addSuppressed(w.failure);
                }
            }
        }
        if (first != null) {
            throw first;
        }
        Histogram reads = newHistogram(), writes = newHistogram();
        for (Worker w : workers) {
            reads.add(w.reads);
            writes.add(w.writes);
        }
        return new Result(seconds, reads, writes, interrupted);
    }

    static Histogram newHistogram() {
        return new Histogram(HIGHEST_NANOS, 3);
    }

    private static final class Worker implements Runnable {
        final NvmeController ctrl;
        final Namespace ns;
        final Options o;
        final int index;
        final AtomicLong done = new AtomicLong();
        final Histogram reads = newHistogram();
        final Histogram writes = newHistogram();
        volatile boolean stop;
        volatile Exception failure;

        Worker(NvmeController ctrl, Namespace ns, Options o, int index) {
            this.ctrl = ctrl;
            this.ns = ns;
            this.o = o;
            this.index = index;
        }

        @Override
        public void run() {
            int blocks = o.blockSize() / ns.blockSize();
            long span = ns.blocks() / blocks; // I/O slots in the namespace
            SplittableRandom rnd = new SplittableRandom(index);
            try (IoQueue q = ctrl.createIoQueue(o.depth() + 1);
                 DmaBuffer buf = ctrl.device().dmaSpace().allocate((long) o.depth() * o.blockSize());
                 DmaMapping m = ctrl.device().dmaSpace().map(buf, DmaDirection.BIDIRECTIONAL)) {
                int cids = Math.max(o.depth() + 1, q.free() + 1) + 1;
                long[] started = new long[cids];
                boolean[] isRead = new boolean[cids];
                int[] cidOf = new int[o.depth()];
                long next = (span / o.queues()) * index;
                for (int slot = 0; slot < o.depth(); slot++) {
                    next = submit(q, slot, next, span, blocks, rnd, m, started, isRead, cidOf);
                }
                try {
                    while (!stop) {
                        if (q.poll() == 0) {
                            continue;
                        }
                        for (int slot = 0; slot < o.depth(); slot++) {
                            int cid = cidOf[slot];
                            if (cid >= 0 && q.isDone(cid)) {
                                long lat = System.nanoTime() - started[cid];
                                cidOf[slot] = -1;
                                q.finish(cid);
                                (isRead[cid] ? reads : writes).recordValue(Math.min(lat, HIGHEST_NANOS));
                                done.lazySet(done.get() + 1); // one writer: no atomic read-modify-write needed
                                next = submit(q, slot, next, span, blocks, rnd, m, started, isRead, cidOf);
                            }
                        }
                    }
                } finally {
                    drain(q, cidOf);
                }
            } catch (Exception e) {
                failure = e;
            }
        }

        private long submit(IoQueue q, int slot, long next, long span, int blocks, SplittableRandom rnd, DmaMapping m,
                            long[] started, boolean[] isRead, int[] cidOf) {
            long lba = (o.random() ? rnd.nextLong(span) : next % span) * blocks;
            boolean read = o.readPercent() == 100 || (o.readPercent() > 0 && rnd.nextInt(100) < o.readPercent());
            long offset = (long) slot * o.blockSize();
            int cid = read ? q.submitRead(ns, lba, blocks, m, offset) : q.submitWrite(ns, lba, blocks, m, offset);
            started[cid] = System.nanoTime();
            isRead[cid] = read;
            cidOf[slot] = cid;
            return next + 1;
        }

        /** Waits (10 s at most) for what is still in flight, so the queue can be deleted. */
        private void drain(IoQueue q, int[] cidOf) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            for (int cid : cidOf) {
                if (cid < 0) {
                    continue;
                }
                while (!q.isDone(cid) && System.nanoTime() < deadline) {
                    q.poll();
                }
                if (q.isDone(cid)) {
                    try {
                        q.finish(cid);
                    } catch (RuntimeException ignored) {
                        // a failed command while stopping: the run's result is already decided
                    }
                }
            }
        }
    }
}
