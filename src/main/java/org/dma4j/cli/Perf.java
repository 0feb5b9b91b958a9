package org.dma4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.CompletionHandler;
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
     * @param seconds how long to measure
     * @param warmup how long to run first, unmeasured (JIT compilation, caches; fio's ramp_time)
     * @param latency whether to time each command (one clock read per I/O); without, only rates
     *     (fio's gtod_reduce), for figures comparable with a benchmark that reads no clock
     */
    record Options(
            int depth,
            int blockSize,
            int readPercent,
            boolean random,
            double seconds,
            int queues,
            double warmup,
            boolean latency) {
        Options(int depth, int blockSize, int readPercent, boolean random, double seconds, int queues) {
            this(depth, blockSize, readPercent, random, seconds, queues, 0, true);
        }

        String workload() {
            return (random ? "rand" : "seq")
                    + (readPercent == 100 ? "read" : readPercent == 0 ? "write" : "mix" + readPercent);
        }
    }

    /**
     * One run: reads and writes done, and their latencies in nanoseconds (empty histograms when
     * not timed); {@code completions} counted apart (the total of the two);
     * {@code interrupted} when cancelled. {@code seconds} is the measured time: the warm-up is not
     * in it, nor are its completions.
     */
    record Result(
            double seconds,
            long readCount,
            long writeCount,
            Histogram reads,
            Histogram writes,
            long completions,
            boolean interrupted) {
        long ios() {
            return readCount + writeCount;
        }
    }

    private Perf() {}

    static Result run(
            NvmeController ctrl,
            Namespace ns,
            Options o,
            PrintStream progress,
            boolean terminal,
            BooleanSupplier cancelled)
            throws Exception {
        long start = System.nanoTime();
        long measureFrom = start + (long) (o.warmup() * 1e9);
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < o.queues(); i++) {
            workers.add(new Worker(ctrl, ns, o, i, o.warmup() <= 0));
        }
        List<Thread> threads = new ArrayList<>();
        for (Worker w : workers) {
            threads.add(Thread.ofPlatform().name("dma4j-perf-" + w.index).start(w));
        }
        long end = measureFrom + (long) (o.seconds() * 1e9);
        long lastPrint = start, lastDone = 0;
        boolean printed = false, interrupted = false, warm = o.warmup() <= 0;
        try {
            while (System.nanoTime() < end) {
                long next = warm ? end : measureFrom;
                Thread.sleep(Math.max(1, Math.min(20, (next - System.nanoTime()) / 1_000_000)));
                if (!warm && System.nanoTime() - measureFrom >= 0) {
                    warm = true;
                    measureFrom = System.nanoTime(); // from now on the workers count (a few µs to see the flag)
                    end = measureFrom + (long) (o.seconds() * 1e9);
                    workers.forEach(w -> w.measuring = true);
                }
                if (workers.stream().anyMatch(w -> w.failure != null)) {
                    break; // no waiting out --time: the failure is reported below
                }
                if (cancelled.getAsBoolean()) {
                    interrupted = true;
                    break;
                }
                long now = System.nanoTime();
                if (progress != null && now - lastPrint >= INTERVAL_NANOS) {
                    long done = workers.stream().mapToLong(Worker::done).sum();
                    double rate = (done - lastDone) / ((now - lastPrint) / 1e9);
                    progress.printf(
                            "%s  %5.1f s  %10.0f IOPS  %9.1f MiB/s%s%s",
                            terminal ? "\r" : "",
                            (now - start) / 1e9,
                            rate,
                            rate * o.blockSize() / (1 << 20),
                            warm ? "" : "  (warm-up)",
                            terminal ? "" : "\n");
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
        double seconds = warm ? (System.nanoTime() - measureFrom) / 1e9 : 0;
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
        long completions = 0, readCount = 0, writeCount = 0;
        for (Worker w : workers) { // the threads have ended: their fields are visible (join)
            reads.add(w.reads);
            writes.add(w.writes);
            readCount += w.readCount;
            writeCount += w.writeCount;
            completions += w.completions;
        }
        return new Result(seconds, readCount, writeCount, reads, writes, completions, interrupted);
    }

    static Histogram newHistogram() {
        return new Histogram(HIGHEST_NANOS, 3);
    }

    /**
     * One thread, one queue pair: a closed loop where each completion, handed over by
     * {@link IoQueue#poll(CompletionHandler)}, is recorded and replaced by the next command. The
     * latency clock starts before the submission. Nothing here is shared with another worker per
     * I/O: the histograms and counter are the worker's own, and the counter is published for the
     * progress line once per poll, not per I/O. Completions before {@code measuring} is set (the
     * warm-up) are run but not recorded. One clock read per I/O: the one that ends a command's
     * latency starts its successor's (taken before the submission, as before).
     */
    private static final class Worker implements Runnable, CompletionHandler {
        final NvmeController ctrl;
        final Namespace ns;
        final Options o;
        final int index;
        final boolean latency;
        /** Set by the run when the warm-up is over: completions from then on are recorded. */
        volatile boolean measuring;

        final Histogram reads = newHistogram();
        final Histogram writes = newHistogram();
        volatile boolean stop;
        volatile Exception failure;
        /** Completions so far, warm-up included, as the progress line may read them (published once per poll). */
        private volatile long published;
        /** Completions so far, warm-up included: the worker's own. */
        private long all;
        /** Completions recorded: the worker's own; read by others only after the thread ended. */
        long completions;

        long readCount;
        long writeCount;

        private IoQueue q;
        private DmaMapping m;
        private SplittableRandom rnd;
        private int blocks;
        private long span;
        private long next;
        private long[] started;
        private boolean[] isRead;
        private int[] slotOf;
        private int inFlight;
        private boolean draining;

        Worker(NvmeController ctrl, Namespace ns, Options o, int index, boolean measuring) {
            this.ctrl = ctrl;
            this.ns = ns;
            this.o = o;
            this.index = index;
            this.latency = o.latency();
            this.measuring = measuring;
        }

        long done() {
            return published;
        }

        @Override
        public void run() {
            blocks = o.blockSize() / ns.blockSize();
            span = ns.blocks() / blocks; // I/O slots in the namespace
            rnd = new SplittableRandom(index);
            try (IoQueue queue = ctrl.createIoQueue(o.depth() + 1);
                    DmaBuffer buf = ctrl.device().dmaSpace().allocate((long) o.depth() * o.blockSize());
                    DmaMapping mapping = ctrl.device().dmaSpace().map(buf, DmaDirection.BIDIRECTIONAL)) {
                q = queue;
                m = mapping;
                int cids = q.free();
                started = new long[cids];
                isRead = new boolean[cids];
                slotOf = new int[cids];
                next = (span / o.queues()) * index;
                try {
                    for (int slot = 0; slot < o.depth(); slot++) {
                        submit(slot, latency ? System.nanoTime() : 0);
                    }
                    while (!stop) {
                        if (q.poll(this) > 0) {
                            published = all;
                        }
                    }
                } finally {
                    drain();
                }
            } catch (Exception e) {
                failure = e;
            }
        }

        /** A completion: its latency into the histogram, then the next command in its slot. */
        @Override
        public void complete(int cid, int status, int result) {
            long end = latency ? System.nanoTime() : 0;
            inFlight--;
            if (draining) {
                return;
            }
            if (status != 0) {
                throw q.failure(cid, status);
            }
            all++;
            if (measuring) { // not the warm-up
                if (isRead[cid]) {
                    readCount++;
                } else {
                    writeCount++;
                }
                if (latency) {
                    (isRead[cid] ? reads : writes).recordValue(Math.min(end - started[cid], HIGHEST_NANOS));
                }
                completions++;
            }
            submit(slotOf[cid], end);
        }

        /** Submits the next command in {@code slot}; {@code start} was read before (0 when not timed). */
        private void submit(int slot, long start) {
            long slotNo;
            if (o.random()) {
                slotNo = rnd.nextLong(span);
            } else { // sequential, wrapping at the end without a division per I/O
                slotNo = next;
                next = next + 1 == span ? 0 : next + 1;
            }
            long lba = slotNo * blocks;
            boolean read = o.readPercent() == 100 || (o.readPercent() > 0 && rnd.nextInt(100) < o.readPercent());
            long offset = (long) slot * o.blockSize();
            int cid = read ? q.submitRead(ns, lba, blocks, m, offset) : q.submitWrite(ns, lba, blocks, m, offset);
            if (cid < 0) { // a completion frees its CID before its handler runs: only a driver bug gets here
                throw new IllegalStateException(
                        "queue full with " + inFlight + " of " + o.depth() + " commands in flight");
            }
            started[cid] = start;
            isRead[cid] = read;
            slotOf[cid] = slot;
            inFlight++;
        }

        /** Waits (10 s at most) for what is still in flight, so the queue can be deleted; records none of it. */
        private void drain() {
            draining = true;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (inFlight > 0 && System.nanoTime() < deadline) {
                try {
                    q.poll(this);
                } catch (RuntimeException ignored) {
                    // a failed or bogus completion while stopping: the run's result is already decided
                }
            }
            published = all;
        }
    }
}
