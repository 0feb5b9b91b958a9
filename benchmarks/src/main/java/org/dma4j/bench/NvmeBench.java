package org.dma4j.bench;

import java.time.Duration;
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
 * The driver's submit + complete of 4 KiB reads, per I/O, at queue depth 1 and 32: against the
 * null device model ({@link NullNvme}, twin of tools/bench/c/nullnvme.c) that is the driver's
 * own cost, and against the full fake ({@link FakeNvme} on a memory namespace: doorbell checks,
 * fake IOMMU translation, PRP walk, data copies), which is what a user's unit test pays. A device
 * that completes at the doorbell turns QD32 into batches of 32: submit 32, then poll with a
 * {@link CompletionHandler} (the driver's non-allocating completion API) until all 32 are back.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NvmeBench implements CompletionHandler {
    static final int BLOCK = 512, IO = 4096, DEPTH = 32;

    /**
     * null: the null device model; fake: the full FakeNvme; fakenull: the full FakeNvme on a
     * namespace that keeps no data ({@code dma4j nvme perf --device fake-null}, for comparing the two).
     */
    @Param({"null", "fake", "fakenull"})
    public String device;

    private FakeDmaSpace space;
    private FakePciDevice dev;
    private NvmeController ctrl;
    private IoQueue q;
    private Namespace ns;
    private DmaBuffer buf;
    private DmaMapping map;
    private int completed;
    private int failed;

    @Override
    public void complete(int cid, int status, int result) {
        completed++;
        failed |= status;
    }

    @Setup(Level.Trial)
    public void setup() {
        space = FakeDmaSpace.open();
        FakeNamespace fns = device.equals("fakenull")
                ? FakeNamespace.nul(1L << 33, BLOCK) // as the CLI's fake-null
                : FakeNamespace.of(4096, BLOCK); // 2 MiB, filled below so that reads copy data
        FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults().withNamespaces(fns));
        PciAddress addr = PciAddress.parse("0000:00:04.0");
        dev = NullNvme.device(device, addr, space, nvme);
        ctrl = NvmeController.open(dev, Duration.ofSeconds(10), 32, 1);
        q = ctrl.createIoQueue(64);
        ns = ctrl.namespace(1);
        buf = space.allocate((long) IO * DEPTH);
        map = space.map(buf, DmaDirection.BIDIRECTIONAL);
        for (int i = 0; i < DEPTH; i++) {
            buf.segment().asSlice((long) i * IO, IO).fill((byte) i);
            q.write(ns, (long) i * (IO / BLOCK), IO / BLOCK, map, (long) i * IO);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        q.close();
        ctrl.close();
        map.close();
        buf.close();
        dev.close();
        space.close();
    }

    @Benchmark
    public int qd1() {
        completed = 0;
        q.submitRead(ns, 0, IO / BLOCK, map, 0);
        while (completed == 0) {
            q.poll(this);
        }
        return failed;
    }

    @Benchmark
    @OperationsPerInvocation(DEPTH)
    public int qd32() {
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
