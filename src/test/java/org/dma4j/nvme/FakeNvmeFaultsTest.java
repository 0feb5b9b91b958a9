package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNamespace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakeNvme.Bug;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.spec.AdminCommands;
import org.dma4j.nvme.spec.NvmOpcode;
import org.dma4j.pci.Bar;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Fault injection and the driver-bug checks of the fake NVMe controller. */
class FakeNvmeFaultsTest {
    private final FakeDmaSpace space = FakeDmaSpace.open();
    private final FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults()
            .withNamespaces(
                    FakeNamespace.of(4096, 512), FakeNamespace.of(1024, 4096), FakeNamespace.nul(1 << 20, 512)));
    private final FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:04.0"), space, nvme);
    private NvmeController ctrl;

    @AfterEach
    void close() {
        if (ctrl != null) {
            ctrl.close();
        }
        dev.close();
        space.close();
    }

    private NvmeController open(Duration timeout) {
        ctrl = NvmeController.open(dev, timeout, 16, 4);
        return ctrl;
    }

    @Test
    void severalNamespacesOfEachBlockSize() {
        var all = open(Duration.ofSeconds(5)).namespaces();
        assertEquals(3, all.size());
        assertEquals(512, all.get(0).blockSize());
        assertEquals(4096, all.get(1).blockSize());
        assertEquals(
                "[512, 512+8, 512+16, 512+64, 4096, 4096+8, 4096+16, 4096+64]",
                all.get(1).formats().toString(),
                "QEMU's eight formats");
        assertEquals(4, all.get(1).formatIndex());
    }

    @Test
    void anInjectedMediaErrorIsNamedAndTheControllerStaysUsable() {
        open(Duration.ofSeconds(5));
        Namespace ns = ctrl.namespaces().get(0);
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = DmaBuffer.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            nvme.failNext(NvmOpcode.READ.value(), false, 2, 0x81);
            var e = assertThrows(NvmeException.class, () -> q.read(ns, 0, 1, m, 0));
            assertEquals(new NvmeStatus(2, 0x81, false), e.status());
            assertTrue(
                    e.getMessage()
                            .startsWith(
                                    "Read of 1 blocks at LBA 0 on namespace 1 failed on queue 1: Unrecovered Read Error"),
                    e.getMessage());
            q.read(ns, 0, 1, m, 0);
        }
    }

    @Test
    void aDroppedCompletionTimesOutClearly() {
        open(Duration.ofMillis(200));
        Namespace ns = ctrl.namespaces().get(0);
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = DmaBuffer.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            nvme.dropCompletions(1);
            var e = assertThrows(NvmeException.Timeout.class, () -> q.write(ns, 5, 1, m, 0));
            assertTrue(
                    e.getMessage()
                            .matches(
                                    "Write of 1 blocks at LBA 5 on namespace 1 \\(CID \\d+ on queue 1\\) did not complete"
                                            + " within 200 ms; the Abort did not resolve it, so the controller was reset"),
                    e.getMessage());
            assertEquals(1, ctrl.resets());
            q.write(ns, 5, 1, m, 0); // the queue was re-created and goes on
            assertEquals(7, q.free(), "the timed-out command's identifier was freed by the reset, not before");
        }
    }

    @Test
    void slowCompletionsAreWaitedForOrTimeOut() {
        open(Duration.ofMillis(300));
        Namespace ns = ctrl.namespaces().get(0);
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = DmaBuffer.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            nvme.delayCompletions(Duration.ofMillis(50));
            long t0 = System.nanoTime();
            q.read(ns, 0, 1, m, 0);
            assertTrue(System.nanoTime() - t0 >= 50_000_000L, "the read waited for its late completion");
            nvme.delayCompletions(Duration.ZERO);
            nvme.delayNext(NvmOpcode.READ.value(), false, Duration.ofMillis(1000));
            assertThrows(NvmeException.Timeout.class, () -> q.read(ns, 0, 1, m, 0));
            q.read(ns, 0, 1, m, 0);
        }
    }

    @Test
    void aDuplicateCompletionIsReportedNotTrusted() {
        open(Duration.ofSeconds(5));
        Namespace ns = ctrl.namespaces().get(0);
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = DmaBuffer.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            nvme.duplicateCompletions(1);
            q.read(ns, 0, 1, m, 0);
            q.read(ns, 1, 1, m, 0); // the duplicate is seen while polling for this one
            assertEquals(1, q.unexpectedCompletions());
            assertEquals(7, q.free(), "no identifier was freed twice");
        }
    }

    @Test
    void abortErrorLogAndGetFeatures() {
        open(Duration.ofSeconds(5));
        assertEquals(4, ctrl.numberOfQueuesAllocated());
        assertTrue(ctrl.errorLog(4).isEmpty(), "a fresh controller has no errors");
        try (IoQueue q = ctrl.createIoQueue(8)) {
            assertEquals(false, ctrl.abort(q, 3), "nothing to abort: the fake says it did not");
        }
    }

    @Test
    void adminQueuesNotPageAlignedAreADriverBug() {
        try (DmaBuffer mem = DmaBuffer.allocate(2 * 4096);
                DmaMapping m = space.map(mem, DmaDirection.BIDIRECTIONAL)) {
            Bar bar = dev.bar(0);
            bar.write32(NvmeRegs.AQA, 3 | 3 << 16);
            bar.write64(NvmeRegs.ASQ, m.iova().value() + 64);
            bar.write64(NvmeRegs.ACQ, m.iova().value() + 4096);
            var bug = assertThrows(FakeNvme.DriverBug.class, () -> bar.write32(NvmeRegs.CC, NvmeRegs.CC_EN));
            assertEquals(Bug.QUEUES_NOT_PAGE_ALIGNED, bug.bug());
            assertTrue(bug.getMessage().contains("must be 4 KiB aligned"), bug.getMessage());
        }
    }

    @Test
    void controllerFatalStatusStopsCommandsWithAClearError() {
        open(Duration.ofSeconds(2));
        nvme.fatal();
        var e = assertThrows(NvmeException.class, () -> ctrl.namespace(1));
        assertTrue(e.getMessage().contains("controller fatal status (CSTS.CFS) during admin Identify"), e.getMessage());
    }

    @Test
    void theNullNamespaceStoresNothing() {
        open(Duration.ofSeconds(5));
        Namespace nul = ctrl.namespace(3);
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = DmaBuffer.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            b.segment().fill((byte) 9);
            q.write(nul, 0, 8, m, 0);
            b.segment().fill((byte) 3);
            q.read(nul, 0, 8, m, 0);
            assertEquals(3, b.segment().get(ValueLayout.JAVA_BYTE, 100), "no data moved");
        }
    }

    @Test
    void ioToADeletedQueueIsADriverBug() {
        open(Duration.ofSeconds(5));
        Namespace ns = ctrl.namespaces().get(0);
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = DmaBuffer.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            ctrl.adminCommand((s, at, cid) -> AdminCommands.deleteIoSq(s, at, cid, q.qid()));
            var bug = assertThrows(FakeNvme.DriverBug.class, () -> q.submitRead(ns, 0, 1, m, 0));
            assertEquals(Bug.DOORBELL_FOR_MISSING_QUEUE, bug.bug());
            assertTrue(bug.getMessage().contains("submission queue 1, which does not exist"), bug.getMessage());
            ctrl.adminCommand((s, at, cid) ->
                    AdminCommands.createIoSq(s, at, cid, q.qid(), 8, q.pair().sqIova(), true, q.qid()));
        }
    }

    @Test
    void creatingAQueueTwiceIsADriverBug() {
        open(Duration.ofSeconds(5));
        try (IoQueue q = ctrl.createIoQueue(8)) {
            var e = assertThrows(
                    NvmeException.class,
                    () -> ctrl.adminCommand((s, at, cid) -> AdminCommands.createIoCq(
                            s, at, cid, q.qid(), 8, q.pair().cqIova(), true, false, 0)));
            assertTrue(e.getMessage().contains("Invalid Queue Identifier"), e.getMessage());
            assertEquals(Bug.QUEUE_CREATED_TWICE, nvme.bugs().get(0).bug());
        }
    }

    /** Raw register work, as a buggy driver would do it: admin queues by hand, then bad entries. */
    @Test
    void doorbellsBeyondQueuesReservedFieldsAndBadPrpOffsetsAreDriverBugs() {
        try (DmaBuffer mem = DmaBuffer.allocate(4 * 4096);
                DmaMapping m = space.map(mem, DmaDirection.BIDIRECTIONAL)) {
            dev.setBusMaster(true);
            Bar bar = dev.bar(0);
            long sq = m.iova().value();
            long cq = sq + 4096;
            bar.write32(NvmeRegs.AQA, 3 | 3 << 16); // 4 entries each
            bar.write64(NvmeRegs.ASQ, sq);
            bar.write64(NvmeRegs.ACQ, cq);
            bar.write32(NvmeRegs.CC, NvmeRegs.CC_EN | NvmeRegs.CC_IOSQES_64 | NvmeRegs.CC_IOCQES_16);
            assertEquals(1, bar.read32(NvmeRegs.CSTS) & 1);

            var beyond = assertThrows(FakeNvme.DriverBug.class, () -> bar.write32(NvmeRegs.DOORBELLS, 4));
            assertEquals(Bug.DOORBELL_BEYOND_QUEUE, beyond.bug());
            assertEquals(
                    "NVMe driver bug DOORBELL_BEYOND_QUEUE: SQ 0 tail 4 is beyond its 4 entries", beyond.getMessage());

            var s = mem.segment();
            s.set(ValueLayout.JAVA_INT, 0, 0x06 | 1 << 8 | 7 << 16); // Identify with FUSE set
            var fused = assertThrows(FakeNvme.DriverBug.class, () -> bar.write32(NvmeRegs.DOORBELLS, 1));
            assertEquals(Bug.RESERVED_FIELDS_SET, fused.bug());

            s.set(ValueLayout.JAVA_INT, 64, 0x06 | 8 << 16); // Identify controller
            s.set(ValueLayout.JAVA_LONG, 64 + 24, sq + 2 * 4096 + 512); // PRP1 with an offset: 2 pages of PRP
            s.set(ValueLayout.JAVA_LONG, 64 + 32, sq + 3 * 4096 + 8); // PRP2 not page aligned
            s.set(ValueLayout.JAVA_INT, 64 + 40, 1);
            var prp = assertThrows(FakeNvme.DriverBug.class, () -> bar.write32(NvmeRegs.DOORBELLS, 2));
            assertEquals(Bug.BAD_PRP_OFFSET, prp.bug());
            assertEquals(3, nvme.bugs().size());
            bar.write32(NvmeRegs.CC, 0);
        }
    }
}
