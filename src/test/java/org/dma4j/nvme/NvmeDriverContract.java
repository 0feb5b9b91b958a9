package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.PciDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The NVMe driver's behaviour, asserted the same way on any {@link PciDevice}: the fake NVMe
 * controller on the host, and QEMU's emulated NVMe over type1, iommufd and no-IOMMU in the
 * guest. Data buffers come from the device's DMA space ({@code allocate}), as a user's would.
 */
public abstract class NvmeDriverContract {
    protected PciDevice device;
    protected NvmeController ctrl;
    protected Namespace ns;

    /** Opens the device under test (and its DMA space, which closeDevice closes). */
    protected abstract PciDevice openDevice();

    protected abstract void closeDevice(PciDevice d);

    /** Whether to run the driver in MSI-X interrupt mode instead of polling. */
    protected boolean interrupts() {
        return false;
    }

    @BeforeEach
    void bringUp() {
        device = openDevice();
        ctrl = interrupts()
                ? NvmeController.openWithInterrupts(device, java.time.Duration.ofSeconds(10), 32, 8)
                : NvmeController.open(device);
        assertEquals(interrupts(), ctrl.usesInterrupts());
        ns = ctrl.namespaces().get(0);
    }

    @AfterEach
    void shutDown() {
        try {
            if (ctrl != null) {
                ctrl.close();
            }
        } finally {
            if (device != null) {
                closeDevice(device);
            }
        }
    }

    /** Data memory from the device's DMA space: what that backend can map (hugepages on no-IOMMU). */
    private DmaBuffer allocate(long bytes) {
        return ctrl.device().dmaSpace().allocate(bytes);
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void bringUpAndIdentify() {
        IdentifyController id = ctrl.identify();
        assertFalse(id.model().isBlank());
        assertFalse(id.serial().isBlank());
        assertTrue(id.namespaces() >= 1);
        assertTrue(ctrl.ioQueuesGranted() >= 1);
        assertTrue(ctrl.version().compareTo("1.2") >= 0, ctrl.version());
        assertTrue(ns.blockSize() == 512 || ns.blockSize() == 4096, "block size " + ns.blockSize());
        assertTrue(
                ns.formats()
                        .contains(new LbaFormat(ns.blockSize(), 0, ns.format().relativePerformance())),
                ns.formats() + "");
        assertEquals(0, ns.metadataSize());
        assertTrue(ns.isSupported());
        assertTrue(ns.blocks() > 0);
        assertEquals(ns, ctrl.namespace(ns.nsid()));
    }

    @Test
    void writeThenReadBackEverySize() {
        long mdts = ctrl.maxTransferBytes();
        int[] blocks = {
            1,
            2,
            7,
            8,
            9,
            (int) (mdts / ns.blockSize()),
            (int) (mdts / ns.blockSize()) + 3,
            (int) (3 * mdts / ns.blockSize())
        };
        try (IoQueue q = ctrl.createIoQueue(64)) {
            long lba = 0;
            for (int n : blocks) {
                int bytes = n * ns.blockSize();
                byte[] pattern = random(n, bytes);
                try (DmaBuffer out = allocate(bytes);
                        DmaBuffer in = allocate(bytes);
                        DmaMapping mo = ctrl.device().dmaSpace().map(out, DmaDirection.TO_DEVICE);
                        DmaMapping mi = ctrl.device().dmaSpace().map(in, DmaDirection.FROM_DEVICE)) {
                    out.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(pattern));
                    q.write(ns, lba, n, mo, 0);
                    q.read(ns, lba, n, mi, 0);
                    assertArrayEquals(
                            pattern, in.segment().asSlice(0, bytes).toArray(ValueLayout.JAVA_BYTE), n + " blocks");
                }
                lba += n;
            }
        }
    }

    @Test
    void prpListsFromAnUnalignedOffset() {
        try (IoQueue q = ctrl.createIoQueue(16);
                DmaBuffer buf = allocate(64 * 1024);
                DmaMapping m = ctrl.device().dmaSpace().map(buf, DmaDirection.BIDIRECTIONAL)) {
            int n = 16 * 1024 / ns.blockSize() + 1; // crosses five pages from offset 512: a PRP list
            byte[] pattern = random(99, n * ns.blockSize());
            buf.segment().asSlice(512, pattern.length).copyFrom(java.lang.foreign.MemorySegment.ofArray(pattern));
            q.write(ns, 100, n, m, 512);
            buf.segment().fill((byte) 0);
            q.read(ns, 100, n, m, 1024);
            assertArrayEquals(
                    pattern, buf.segment().asSlice(1024, pattern.length).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void queueDepthWithSubmitAndPoll() {
        int depth = 16;
        try (IoQueue q = ctrl.createIoQueue(depth + 1);
                DmaBuffer buf = allocate((long) depth * ns.blockSize());
                DmaMapping m = ctrl.device().dmaSpace().map(buf, DmaDirection.BIDIRECTIONAL)) {
            int[] cids = new int[depth];
            for (int i = 0; i < depth; i++) {
                cids[i] = q.submitRead(ns, i, 1, m, (long) i * ns.blockSize());
                assertTrue(cids[i] >= 0);
            }
            assertEquals(-1, q.submitRead(ns, 0, 1, m, 0), "a full queue says so instead of overrunning");
            int done = 0;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (done < depth && System.nanoTime() < deadline) {
                done += q.poll();
            }
            assertEquals(depth, done);
            for (int cid : cids) {
                assertTrue(q.isDone(cid));
                q.finish(cid);
            }
            assertEquals(depth, q.free());
            assertEquals(0, q.unexpectedCompletions());
        }
    }

    @Test
    void aClosedLoopWithPollHandlerGetsEachCommandOnceWithItsData() {
        int depth = 8;
        int total = 200;
        int bs = ns.blockSize();
        try (IoQueue q = ctrl.createIoQueue(depth + 1);
                DmaBuffer buf = allocate((long) depth * bs);
                DmaMapping m = ctrl.device().dmaSpace().map(buf, DmaDirection.BIDIRECTIONAL);
                DmaBuffer src = allocate((long) depth * bs);
                DmaMapping w = ctrl.device().dmaSpace().map(src, DmaDirection.TO_DEVICE)) {
            for (int i = 0; i < depth; i++) { // block i holds its number in its first dword
                src.segment().set(ValueLayout.JAVA_INT, (long) i * bs, 0x5eed0000 + i);
            }
            q.write(ns, 0, depth, w, 0);
            long[] lbaOf = new long[q.free()];
            int[] completions = new int[1];
            int[] submitted = {0};
            CompletionHandler check = (cid, status, result) -> {
                assertEquals(0, status, "status of CID " + cid);
                assertEquals(
                        0x5eed0000 + (int) lbaOf[cid],
                        buf.segment().get(ValueLayout.JAVA_INT, lbaOf[cid] * bs),
                        "data of CID " + cid);
                completions[0]++;
                if (submitted[0] < total) {
                    long lba = submitted[0]++ % depth;
                    int next = q.submitRead(ns, lba, 1, m, lba * bs);
                    assertTrue(next >= 0, "the handler's CID is free for the next command");
                    lbaOf[next] = lba;
                }
            };
            for (int i = 0; i < depth; i++) {
                long lba = submitted[0]++;
                lbaOf[q.submitRead(ns, lba, 1, m, lba * bs)] = lba;
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (completions[0] < total && System.nanoTime() < deadline) {
                q.poll(check);
            }
            assertEquals(total, completions[0]);
            assertEquals(depth, q.free());
            assertEquals(0, q.unexpectedCompletions());
        }
    }

    @Test
    void futuresCompleteWhenTheOwnerPolls() {
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer buf = allocate(2L * ns.blockSize());
                DmaMapping m = ctrl.device().dmaSpace().map(buf, DmaDirection.BIDIRECTIONAL)) {
            buf.segment().fill((byte) 0x3c);
            var written = q.writeAsync(ns, 5, 1, m, 0);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!written.isDone() && System.nanoTime() < deadline) {
                q.poll();
            }
            written.join();
            var read = q.readAsync(ns, 5, 1, m, ns.blockSize());
            while (!read.isDone() && System.nanoTime() < deadline) {
                q.poll();
            }
            read.join();
            assertEquals((byte) 0x3c, buf.segment().get(ValueLayout.JAVA_BYTE, 2L * ns.blockSize() - 1));
            assertEquals(7, q.free());
        }
    }

    @Test
    void severalQueuesFromSeveralThreads() throws Exception {
        int threads = Math.min(ctrl.ioQueuesGranted(), 3);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                IoQueue q = ctrl.createIoQueue(32);
                long base = 1000L + t * 100;
                int seed = t;
                results.add(pool.submit(() -> {
                    try (q;
                            DmaBuffer b = allocate(8L * ns.blockSize());
                            DmaMapping m = ctrl.device().dmaSpace().map(b, DmaDirection.BIDIRECTIONAL)) {
                        for (int i = 0; i < 20; i++) {
                            byte[] p = random(seed * 100 + i, 8 * ns.blockSize());
                            b.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(p));
                            q.write(ns, base, 8, m, 0);
                            b.segment().fill((byte) 0);
                            q.read(ns, base, 8, m, 0);
                            assertArrayEquals(
                                    p,
                                    b.segment()
                                            .asSlice(0, p.length)
                                            .toArray(ValueLayout.JAVA_BYTE)); // the buffer may be larger (a hugepage)
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : results) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void flushAndWriteZeroes() {
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = allocate(4L * ns.blockSize());
                DmaMapping m = ctrl.device().dmaSpace().map(b, DmaDirection.BIDIRECTIONAL)) {
            b.segment().fill((byte) 0x77);
            q.write(ns, 200, 4, m, 0);
            q.flush(ns);
            if (ctrl.identify().supportsWriteZeroes()) {
                q.writeZeroes(ns, 200, 4);
                b.segment().fill((byte) 0x55);
                q.read(ns, 200, 4, m, 0);
                for (long i = 0;
                        i < 4L * ns.blockSize();
                        i += 64) { // the buffer is page-rounded: check the 4 blocks only
                    assertEquals(0, b.segment().get(ValueLayout.JAVA_BYTE, i));
                }
            }
            if (ctrl.identify().supportsDeallocate()) {
                q.deallocate(ns, 200, 4);
            }
        }
    }

    @Test
    void errorsAreNamedAndTheControllerStaysUsable() {
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = allocate(4096);
                DmaMapping m = ctrl.device().dmaSpace().map(b, DmaDirection.BIDIRECTIONAL)) {
            var outside = assertThrows(IllegalArgumentException.class, () -> q.read(ns, ns.blocks(), 1, m, 0));
            assertTrue(outside.getMessage().contains("is outside namespace"), outside.getMessage());
            Namespace bogus = ns.withNsid(0x7fff);
            var status = assertThrows(NvmeException.class, () -> q.read(bogus, 0, 1, m, 0));
            assertEquals(0, status.status().type());
            assertEquals(0x0b, status.status().code(), status.getMessage());
            assertTrue(status.getMessage().contains("Invalid Namespace or Format"), status.getMessage());
            q.read(ns, 0, 1, m, 0); // still works
        }
        var noNs = assertThrows(NvmeException.class, () -> ctrl.namespace(0x7fff));
        assertTrue(
                noNs.getMessage().contains("not active") || noNs.getMessage().contains("Invalid"), noNs.getMessage());
    }

    @Test
    void getFeaturesErrorLogAndAbort() {
        assertTrue(ctrl.numberOfQueuesAllocated() >= ctrl.ioQueuesGranted());
        assertTrue(ctrl.errorLog(4).size() <= 4);
        try (IoQueue q = ctrl.createIoQueue(8)) {
            assertFalse(ctrl.abort(q, 3), "no command 3 is in flight, so nothing is aborted");
        }
    }

    @Test
    void resetReCreatesTheIoQueuesAndFailsWhatWasOutstanding() {
        try (IoQueue q = ctrl.createIoQueue(16);
                DmaBuffer b = allocate(2L * ns.blockSize());
                DmaMapping m = ctrl.device().dmaSpace().map(b, DmaDirection.BIDIRECTIONAL)) {
            byte[] p = random(5, ns.blockSize());
            b.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(p));
            q.write(ns, 300, 1, m, 0);
            int cid = q.submitRead(ns, 300, 1, m, ns.blockSize()); // not polled before the reset
            ctrl.reset();
            assertEquals(1, ctrl.resets());
            assertEquals(1, q.poll(), "the reset finished the outstanding read");
            var e = assertThrows(NvmeException.Reset.class, () -> q.finish(cid));
            assertTrue(
                    e.getMessage()
                            .endsWith("was outstanding when the controller was reset; it may or may not have run"),
                    e.getMessage());
            assertEquals(15, q.free(), "re-created with its size, every identifier free");
            b.segment().fill((byte) 0);
            q.read(ns, 300, 1, m, 0);
            assertArrayEquals(p, b.segment().asSlice(0, p.length).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(ns, ctrl.namespace(ns.nsid()), "admin commands work after the reset");
        }
    }

    @Test
    void smartLogAndShutdown() {
        SmartLog smart = ctrl.smartLog();
        assertTrue(smart.temperatureKelvin() > 200, "a plausible temperature: " + smart.temperatureKelvin());
        ctrl.close();
        assertEquals(0, device.bar(0).read32(NvmeRegs.CSTS) & NvmeRegs.CSTS_RDY, "disabled after shutdown");
        ctrl.close(); // closing twice is harmless
    }
}
