package org.dma4j.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.dma4j.Dma4jException;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNamespace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;
import org.dma4j.nvme.NvmeException;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Surprise removal on the fake: the device vanishes (registers read all ones, nothing more
 * completes) with I/O in flight. Outstanding and new commands fail with an error that says the
 * device is gone, within the command timeout and not CAP.TO or the shutdown timeout later,
 * nothing hangs, and close releases every mapping.
 */
class SurpriseRemovalTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3); // longer than any wait the driver should make here
    private final FakeDmaSpace space = FakeDmaSpace.open();
    private final FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults()
            .withNamespaces(FakeNamespace.of(4096, 512))
            .asynchronous(Duration.ofMillis(20)));
    private final FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:04.0"), space, nvme);

    @AfterEach
    void close() {
        dev.close();
        space.close();
    }

    private static void assertGone(Throwable e) {
        String all = e.toString() + List.of(e.getSuppressed()) + e.getCause();
        assertTrue(all.contains("the device is gone"), "not named as a removed device: " + all);
    }

    @Test
    void outstandingCommandsFailNamedAndCloseReleasesEverything() {
        assertTimeoutPreemptively(TIMEOUT, () -> {
            NvmeController c = NvmeController.open(dev, Duration.ofSeconds(10), 16, 2);
            Namespace ns = c.namespaces().get(0);
            IoQueue q = c.createIoQueue(16);
            DmaBuffer b = space.allocate(8 * 4096);
            DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL);
            List<Integer> cids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                cids.add(q.submitRead(ns, i * 8L, 8, m, i * 4096L));
            }
            nvme.surpriseRemove(); // before the device thread completes them (20 ms latency)
            var e = assertThrows(NvmeException.class, () -> q.read(ns, 100, 1, m, 0));
            assertGone(e);
            var onClose = assertThrows(Dma4jException.class, c::close);
            assertGone(onClose);
            c.close(); // twice: harmless
            m.close();
            b.close();
            assertEquals(List.of(), space.mappings(), "close unmapped the queues although the device was gone");
            assertTrue(cids.stream().noneMatch(q::isDone), "nothing completed after the removal");
        });
    }

    @Test
    void bringUpOfARemovedDeviceFailsAtOnceNamed() {
        nvme.surpriseRemove();
        assertTimeoutPreemptively(TIMEOUT, () -> {
            var e = assertThrows(NvmeException.class, () -> NvmeController.open(dev, Duration.ofSeconds(10), 16, 2));
            assertGone(e);
        });
        assertEquals(List.of(), space.mappings());
    }

    @Test
    void aThreadWaitingOnIoIsWokenWithTheError() throws Exception {
        NvmeController c = NvmeController.open(dev, Duration.ofSeconds(10), 16, 2);
        Namespace ns = c.namespaces().get(0);
        nvme.delayNext(0x02, false, Duration.ofSeconds(60)); // the Read would take a minute
        AtomicReference<Throwable> seen = new AtomicReference<>();
        CountDownLatch submitted = new CountDownLatch(1);
        Thread io = Thread.ofPlatform().start(() -> {
            try (IoQueue q = c.createIoQueue(8);
                    DmaBuffer b = space.allocate(4096);
                    DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
                submitted.countDown();
                q.read(ns, 0, 1, m, 0);
            } catch (Throwable t) {
                seen.set(t);
            } finally {
                submitted.countDown();
            }
        });
        assertTrue(submitted.await(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
        Thread.sleep(50);
        nvme.surpriseRemove();
        io.join(TIMEOUT.toMillis());
        assertTrue(!io.isAlive(), "the I/O thread still waits");
        assertTrue(seen.get() instanceof NvmeException, String.valueOf(seen.get()));
        assertGone(seen.get());
        assertTimeoutPreemptively(TIMEOUT, () -> assertGone(assertThrows(Dma4jException.class, c::close)));
        assertEquals(List.of(), space.mappings());
    }
}
