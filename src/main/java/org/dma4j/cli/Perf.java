package org.dma4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;

/**
 * {@code dma4j nvme perf}, after {@code spdk_nvme_perf}: one thread per I/O queue keeps
 * {@code depth} commands in flight for {@code seconds}, with a live progress line and a result
 * table of IOPS, MiB/s and latency percentiles. The measuring loop allocates nothing.
 */
final class Perf {
    /**
     * @param readPercent 100 = all reads, 0 = all writes
     * @param random random LBAs (aligned to the block size asked) or sequential
     */
    record Options(int depth, int blockSize, int readPercent, boolean random, double seconds, int queues) {}

    /** Results of one run. */
    record Result(long ios, double seconds, long bytes, long[] sortedLatenciesNanos) {
        double iops() {
            return ios / seconds;
        }

        double mibPerSecond() {
            return bytes / seconds / (1 << 20);
        }

        double percentileMicros(double p) {
            if (sortedLatenciesNanos.length == 0) {
                return 0;
            }
            int i = (int) Math.min(sortedLatenciesNanos.length - 1, Math.ceil(p / 100 * sortedLatenciesNanos.length) - 1);
            return sortedLatenciesNanos[Math.max(0, i)] / 1000.0;
        }
    }

    private static final int MAX_SAMPLES = 1 << 20;

    private Perf() {}

    static Result run(NvmeController ctrl, Namespace ns, Options o, PrintStream progress) throws Exception {
        if (o.blockSize() % ns.blockSize() != 0) {
            throw new Main.UsageException("--bs " + o.blockSize() + " is not a multiple of the namespace's " + ns.blockSize() + "-byte blocks");
        }
        int queues = Math.min(o.queues(), ctrl.ioQueuesGranted());
        AtomicLong done = new AtomicLong();
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < queues; i++) {
            workers.add(new Worker(ctrl, ns, o, i, done));
        }
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (Worker w : workers) {
            Thread t = Thread.ofPlatform().name("dma4j-perf-" + w.index).start(w);
            threads.add(t);
        }
        long end = start + (long) (o.seconds() * 1e9);
        long lastPrint = start;
        while (System.nanoTime() < end) {
            Thread.sleep(50);
            long now = System.nanoTime();
            if (progress != null && now - lastPrint >= 1_000_000_000L) {
                double t = (now - start) / 1e9;
                progress.printf("\r  %5.1f s  %10.0f IOPS  %9.1f MiB/s", t, done.get() / t, done.get() * (double) o.blockSize() / t / (1 << 20));
                progress.flush();
                lastPrint = now;
            }
        }
        workers.forEach(w -> w.stop = true);
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (progress != null && lastPrint != start) {
            progress.println(); // keep the last progress line; the table follows below it
        }
        for (Worker w : workers) {
            if (w.failure != null) {
                throw w.failure;
            }
        }
        long ios = workers.stream().mapToLong(w -> w.ios).sum();
        long[] all = workers.stream().flatMapToLong(w -> Arrays.stream(w.latencies, 0, w.samples)).sorted().toArray();
        return new Result(ios, seconds, ios * o.blockSize(), all);
    }

    private static final class Worker implements Runnable {
        final NvmeController ctrl;
        final Namespace ns;
        final Options o;
        final int index;
        final AtomicLong done;
        final long[] latencies = new long[MAX_SAMPLES];
        int samples;
        long ios;
        volatile boolean stop;
        Exception failure;

        Worker(NvmeController ctrl, Namespace ns, Options o, int index, AtomicLong done) {
            this.ctrl = ctrl;
            this.ns = ns;
            this.o = o;
            this.index = index;
            this.done = done;
        }

        @Override
        public void run() {
            int blocks = o.blockSize() / ns.blockSize();
            long span = ns.blocks() / blocks; // I/O slots in the namespace
            SplittableRandom rnd = new SplittableRandom(index);
            try (IoQueue q = ctrl.createIoQueue(o.depth() + 1);
                 DmaBuffer buf = ctrl.device().dmaSpace().allocate((long) o.depth() * o.blockSize());
                 DmaMapping m = ctrl.device().dmaSpace().map(buf, DmaDirection.BIDIRECTIONAL)) {
                long[] started = new long[o.depth() + 1];
                int[] slotOf = new int[o.depth() + 1];
                int[] cidOf = new int[o.depth()];
                long next = (span / Math.max(1, o.queues())) * index;
                for (int slot = 0; slot < o.depth(); slot++) {
                    next = submit(q, slot, next, span, blocks, rnd, m, started, slotOf, cidOf);
                }
                while (!stop) {
                    if (q.poll() == 0) {
                        continue;
                    }
                    for (int slot = 0; slot < o.depth(); slot++) {
                        int cid = cidOf[slot];
                        if (cid >= 0 && q.isDone(cid)) {
                            long lat = System.nanoTime() - started[cid];
                            q.finish(cid);
                            if (samples < latencies.length) {
                                latencies[samples++] = lat;
                            }
                            ios++;
                            done.incrementAndGet();
                            next = submit(q, slot, next, span, blocks, rnd, m, started, slotOf, cidOf);
                        }
                    }
                }
                drain(q, cidOf);
            } catch (Exception e) {
                failure = e;
            }
        }

        private long submit(IoQueue q, int slot, long next, long span, int blocks, SplittableRandom rnd, DmaMapping m,
                            long[] started, int[] slotOf, int[] cidOf) {
            long lba = (o.random() ? rnd.nextLong(span) : next % span) * blocks;
            boolean read = o.readPercent() == 100 || (o.readPercent() > 0 && rnd.nextInt(100) < o.readPercent());
            long offset = (long) slot * o.blockSize();
            int cid = read ? q.submitRead(ns, lba, blocks, m, offset) : q.submitWrite(ns, lba, blocks, m, offset);
            started[cid] = System.nanoTime();
            slotOf[cid] = slot;
            cidOf[slot] = cid;
            return next + 1;
        }

        private void drain(IoQueue q, int[] cidOf) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            for (int slot = 0; slot < cidOf.length; slot++) {
                while (!q.isDone(cidOf[slot]) && System.nanoTime() < deadline) {
                    q.poll();
                }
                if (q.isDone(cidOf[slot])) {
                    q.finish(cidOf[slot]);
                }
            }
        }
    }

    static String table(Options o, Result r, int queues) {
        return String.format("""
                  %-10s %-6s %-4s %-8s %12s %10s %9s %9s %9s %9s
                  %-10s %-6d %-4d %-8s %12.0f %10.1f %9.1f %9.1f %9.1f %9.1f
                """, "workload", "bs", "qd", "queues", "IOPS", "MiB/s", "p50 us", "p99 us", "p99.9 us", "max us",
                (o.random() ? "rand" : "seq") + (o.readPercent() == 100 ? "read" : o.readPercent() == 0 ? "write" : "mix" + o.readPercent()),
                o.blockSize(), o.depth(), String.valueOf(queues), r.iops(), r.mibPerSecond(), r.percentileMicros(50),
                r.percentileMicros(99), r.percentileMicros(99.9), r.percentileMicros(100));
    }
}
