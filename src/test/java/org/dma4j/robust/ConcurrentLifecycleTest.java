package org.dma4j.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * Concurrency and life cycle on the fake: one queue pair per thread on many threads; closing the
 * controller while other threads submit and poll ends them with a typed error (never an
 * IndexOutOfBounds or a closed-arena IllegalStateException) and nothing hangs or leaks.
 */
class ConcurrentLifecycleTest {
    private final FakeDmaSpace space = FakeDmaSpace.open();
    private final FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults()
            .withMaxIoQueues(16)
            .withNamespaces(FakeNamespace.of(1 << 16, 512))
            .asynchronous(Duration.ofNanos(10_000)));
    private final FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:04.0"), space, nvme);

    @Test
    void oneQueuePairPerThreadOnManyThreads() throws Exception {
        try (NvmeController c = NvmeController.open(dev, Duration.ofSeconds(10), 16, 16)) {
            Soak.Result r = Soak.run(c, space, c.namespaces().get(0), 8, 1, 42);
            assertTrue(r.ios() > 0);
        }
        assertEquals(List.of(), space.mappings());
        assertEquals(List.of(), nvme.bugs());
        dev.close();
        space.close();
    }

    @RepeatedTest(3)
    void closingTheControllerWhileOthersSubmitAndPollEndsThemTyped() throws Exception {
        NvmeController c = NvmeController.open(dev, Duration.ofSeconds(2), 16, 4);
        Namespace ns = c.namespaces().get(0);
        List<Thread> threads = new ArrayList<>();
        List<AtomicReference<Throwable>> ends = new ArrayList<>();
        AtomicLong ios = new AtomicLong();
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(4);
        for (int t = 0; t < 4; t++) {
            AtomicReference<Throwable> end = new AtomicReference<>();
            ends.add(end);
            boolean polled = t % 2 == 0;
            threads.add(Thread.ofPlatform().start(() -> {
                try (IoQueue q = c.createIoQueue(8);
                        DmaBuffer b = space.allocate(4096);
                        DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
                    running.countDown();
                    while (true) {
                        if (polled) {
                            int cid = q.submitRead(ns, 0, 1, m, 0);
                            while (!q.isDone(cid)) {
                                q.poll();
                            }
                            q.finish(cid);
                        } else {
                            q.write(ns, 1, 1, m, 0);
                        }
                        ios.incrementAndGet();
                    }
                } catch (Throwable e) {
                    end.set(e);
                } finally {
                    running.countDown();
                }
            }));
        }
        running.await();
        Thread.sleep(50);
        try {
            c.close();
        } catch (Dma4jException e) {
            // a queue deletion that raced its owner may fail; close still released everything
        }
        for (Thread t : threads) {
            t.join(5_000);
            assertFalse(t.isAlive(), "a thread hangs after the controller closed");
        }
        for (AtomicReference<Throwable> end : ends) {
            Throwable e = end.get();
            assertTrue(
                    e instanceof Dma4jException, "ended with " + e + (e == null ? "" : " at " + e.getStackTrace()[0]));
        }
        assertTrue(ios.get() > 0);
        dev.close();
        space.close();
    }
}
