package org.dma4j.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: the full fake's I/O path (doorbell checks, fetch through the fake IOMMU, PRP walk,
 * data copies to and from a memory namespace, completion) allocates nothing per I/O, so users'
 * tests on the fake run without garbage. Counted with the thread's allocated bytes, not timed.
 */
class FakeNvmeAllocationTest {
    private static final int IOS = 20_000;

    @Test
    void readsAndWritesThroughTheFullFakeAllocateNothingPerIo() {
        FakeDmaSpace space = FakeDmaSpace.open();
        FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults().withNamespaces(FakeNamespace.of(1 << 16, 512)));
        try (FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:0c.0"), space, nvme);
                NvmeController ctrl = NvmeController.open(dev, Duration.ofSeconds(10), 32, 1);
                IoQueue q = ctrl.createIoQueue(64);
                DmaBuffer buf = space.allocate(64 * 1024);
                DmaMapping map = space.map(buf, DmaDirection.BIDIRECTIONAL)) {
            Namespace ns = ctrl.namespace(1);
            buf.segment().fill((byte) 0x5a);
            run(q, ns, map, IOS); // warm up: classes loaded, methods compiled, chunks written
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = mx.getCurrentThreadAllocatedBytes();
            run(q, ns, map, IOS);
            long bytes = mx.getCurrentThreadAllocatedBytes() - before;
            assertTrue(
                    bytes < IOS,
                    bytes + " bytes allocated by " + IOS + " I/Os through the fake: " + (double) bytes / IOS
                            + " per I/O (before issue 12: ~570)");
            buf.segment().fill((byte) 0x5a);
            q.write(ns, 0, 8, map, 0);
            buf.segment().asSlice(32768, 4096).fill((byte) 0);
            q.read(ns, 0, 8, map, 32768);
            assertEquals(
                    0x5a,
                    buf.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 32768 + 4095),
                    "the data came back");
        } finally {
            space.close();
        }
    }

    /** Alternating 4 KiB and 8 KiB writes and reads (one PRP, two PRPs, and a PRP list at 16 KiB). */
    private static void run(IoQueue q, Namespace ns, DmaMapping map, int ios) {
        for (int i = 0; i < ios; i++) {
            int blocks = (i & 3) == 3 ? 32 : 8 << (i & 1);
            long lba = (i * 64L) % (ns.blocks() - 64);
            int cid = (i & 2) == 0 ? q.submitWrite(ns, lba, blocks, map, 0) : q.submitRead(ns, lba, blocks, map, 0);
            while (!q.isDone(cid)) {
                q.poll();
            }
            q.finish(cid);
        }
    }
}
