package org.dma4j.bench;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNamespace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.CompletionHandler;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;
import org.dma4j.pci.PciAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Scaling with queues, as {@code dma4j nvme perf --queues N} runs: one controller, one I/O queue
 * per thread, QD32 batches of 4 KiB reads; throughput in I/Os per microsecond summed over the
 * threads, with one thread ({@code one}) and with two ({@code two}). Against the null device this
 * is the driver alone: queues share nothing per I/O, so two threads should do about twice the
 * work of one on two free cores. Against the full fake on a namespace without data (the CLI's
 * {@code fake-null}) it is what perf measures there.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class NvmeScaleBench {
    static final int BLOCK = 512, IO = 4096, DEPTH = 32;

    /** The controller, shared by the threads of a run. */
    @State(Scope.Benchmark)
    public static class Controller {
        /** null: the null device model; fakenull: the full FakeNvme keeping no data. */
        @Param({"null", "fakenull"})
        public String device;

        FakeDmaSpace space;
        FakePciDevice dev;
        NvmeController ctrl;
        Namespace ns;
        /** What the threads' queues opened, closed here newest first: JMH tears this state down before theirs. */
        final Deque<AutoCloseable> opened = new ArrayDeque<>();

        synchronized <T extends AutoCloseable> T own(T resource) {
            opened.push(resource);
            return resource;
        }

        @Setup(Level.Trial)
        public void setup() {
            space = FakeDmaSpace.open();
            FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults().withNamespaces(FakeNamespace.nul(1L << 33, BLOCK)));
            PciAddress addr = PciAddress.parse("0000:00:04.0");
            dev = NullNvme.device(device, addr, space, nvme);
            ctrl = NvmeController.open(dev, Duration.ofSeconds(10), 32, 2);
            ns = ctrl.namespace(1);
        }

        @TearDown(Level.Trial)
        public synchronized void tearDown() throws Exception {
            while (!opened.isEmpty()) {
                opened.pop().close();
            }
            ctrl.close();
            dev.close();
            space.close();
        }
    }

    /** A thread's own queue and buffer (closed by the {@link Controller}). */
    @State(Scope.Thread)
    public static class Queue implements CompletionHandler {
        IoQueue q;
        DmaBuffer buf;
        DmaMapping map;
        int completed;
        int failed;

        @Setup(Level.Trial)
        public void setup(Controller c) {
            q = c.own(c.ctrl.createIoQueue(64));
            buf = c.own(c.space.allocate((long) IO * DEPTH));
            map = c.own(c.space.map(buf, DmaDirection.BIDIRECTIONAL));
        }

        @Override
        public void complete(int cid, int status, int result) {
            completed++;
            failed |= status;
        }

        int qd32(Namespace ns) {
            completed = 0;
            for (int i = 0; i < DEPTH; i++) {
                q.submitRead(ns, (long) i * (IO / BLOCK), IO / BLOCK, map, (long) i * IO);
            }
            while (completed < DEPTH) {
                q.poll(this);
            }
            return failed;
        }
    }

    @Benchmark
    @Group("one")
    @GroupThreads(1)
    @OperationsPerInvocation(DEPTH)
    public int one(Controller c, Queue q) {
        return q.qd32(c.ns);
    }

    @Benchmark
    @Group("two")
    @GroupThreads(2)
    @OperationsPerInvocation(DEPTH)
    public int two(Controller c, Queue q) {
        return q.qd32(c.ns);
    }
}
