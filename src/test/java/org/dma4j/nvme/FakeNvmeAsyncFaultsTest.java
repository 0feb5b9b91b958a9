package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.spec.AdminCommands;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The driver against the fake's asynchronous mode and its stricter configurations. */
class FakeNvmeAsyncFaultsTest {
    private FakeDmaSpace space;
    private FakePciDevice dev;
    private NvmeController ctrl;

    private NvmeController open(FakeNvme.Config config) {
        space = FakeDmaSpace.open();
        dev = FakeNvme.device(PciAddress.parse("0000:00:0b.0"), space, new FakeNvme(config));
        ctrl = NvmeController.open(dev, Duration.ofSeconds(5), 16, 2);
        return ctrl;
    }

    @AfterEach
    void close() {
        if (ctrl != null) {
            ctrl.close();
        }
        if (dev != null) {
            dev.close();
            space.close();
        }
    }

    @Test
    void completionsArriveLaterAndAFullQueueSaysSo() {
        open(FakeNvme.Config.defaults().asynchronous(Duration.ofMillis(100)));
        Namespace ns = ctrl.namespaces().get(0);
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = DmaBuffer.allocate(7 * 4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            long t0 = System.nanoTime();
            int[] cids = new int[7];
            for (int i = 0; i < 7; i++) {
                cids[i] = q.submitRead(ns, i, 1, m, i * 4096L);
                assertTrue(cids[i] >= 0);
            }
            assertEquals(-1, q.submitRead(ns, 0, 1, m, 0), "seven in flight fill an eight-entry SQ");
            long polledAt = System.nanoTime();
            int done = q.poll();
            if (polledAt - t0 < 100_000_000L) { // nothing can be due before the latency has passed
                assertEquals(0, done, "nothing has completed yet");
            }
            while (done < 7 && System.nanoTime() - t0 < 5_000_000_000L) {
                done += q.poll();
                java.util.concurrent.locks.LockSupport.parkNanos(200_000); // not a spin: the cores are shared
            }
            assertEquals(7, done);
            assertTrue(System.nanoTime() - t0 >= 100_000_000L, "they came after the device's latency");
            for (int cid : cids) {
                q.finish(cid);
            }
            q.read(ns, 0, 1, m, 0); // and a synchronous read waits for its late completion
        }
    }

    @Test
    void deletingAnSqAbortsWhatItHolds() {
        open(FakeNvme.Config.defaults().asynchronous(Duration.ofSeconds(30)));
        Namespace ns = ctrl.namespaces().get(0);
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = DmaBuffer.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            int[] cids = {q.submitRead(ns, 0, 1, m, 0), q.submitRead(ns, 1, 1, m, 0), q.submitRead(ns, 2, 1, m, 0)};
            ctrl.adminCommand((s, at, cid) -> AdminCommands.deleteIoSq(s, at, cid, q.qid()));
            assertEquals(3, q.poll());
            for (int cid : cids) {
                var e = assertThrows(NvmeException.class, () -> q.finish(cid));
                assertEquals(new NvmeStatus(0, 0x08, false), e.status());
                assertTrue(e.getMessage().contains("Command Aborted due to SQ Deletion"), e.getMessage());
            }
            ctrl.adminCommand((s, at, cid) ->
                    AdminCommands.createIoSq(s, at, cid, q.qid(), 8, q.pair().sqIova(), true, q.qid()));
        }
    }

    @Test
    void aControllerWhosePagesAreLargerThan4KiBIsRefusedClearly() {
        var e = assertThrows(
                NvmeException.class, () -> open(FakeNvme.Config.defaults().withMpsMin(1)));
        assertTrue(
                e.getMessage()
                        .endsWith("needs memory pages of at least 8192 bytes (CAP.MPSMIN); dma4j drives 4 KiB pages"),
                e.getMessage());
    }
}
