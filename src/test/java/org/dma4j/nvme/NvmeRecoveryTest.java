package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.spec.AdminOpcode;
import org.dma4j.nvme.spec.NvmOpcode;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What becomes of a command that does not complete: an I/O command is aborted and then, if the
 * abort does not resolve it, the controller is reset and the I/O queues re-created; an admin
 * command resets the controller; CSTS.CFS resets it. A command's identifier is freed only when
 * the command is resolved, so a late completion never completes a newer command.
 */
class NvmeRecoveryTest {
    private static final Duration TIMEOUT = Duration.ofMillis(200);
    private final FakeDmaSpace space = FakeDmaSpace.open();
    private final FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults());
    private final FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:0b.0"), space, nvme);
    private NvmeController ctrl;

    @AfterEach
    void close() {
        try {
            if (ctrl != null) {
                ctrl.close();
            }
        } finally {
            dev.close();
            space.close();
        }
        assertTrue(nvme.bugs().isEmpty(), nvme.bugs().toString());
        assertTrue(space.faults().isEmpty(), space.faults().toString());
    }

    private Namespace open(int adminEntries) {
        ctrl = NvmeController.open(dev, TIMEOUT, adminEntries, 4);
        return ctrl.namespace(1);
    }

    private static void await(IoQueue q, int cid) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!q.isDone(cid) && System.nanoTime() < deadline) {
            q.poll();
        }
        assertTrue(q.isDone(cid), "command " + cid + " done");
    }

    @Test
    void anIoCommandCompletingAfterTheAbortIsTakenAsItsOwnCompletion() {
        Namespace ns = open(8);
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = space.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            b.segment().fill((byte) 0x5a);
            q.write(ns, 3, 1, m, 0);
            b.segment().fill((byte) 0);
            nvme.delayNext(
                    NvmOpcode.READ.value(),
                    false,
                    TIMEOUT.multipliedBy(3).dividedBy(2)); // past the timeout, inside the grace
            q.read(ns, 3, 1, m, 0);
            assertEquals(0x5a, b.segment().get(ValueLayout.JAVA_BYTE, 511), "the late read's data");
            assertEquals(0, ctrl.resets(), "resolved by the abort window, no reset");
            assertEquals(7, q.free());
            assertEquals(0, q.unexpectedCompletions());
        }
    }

    @Test
    void aLateCompletionAfterTheResetNeverCompletesANewerCommand() throws Exception {
        Namespace ns = open(8);
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = space.allocate(8 * 4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            nvme.delayNext(NvmOpcode.READ.value(), false, TIMEOUT.multipliedBy(4)); // past the timeout and the grace
            long t0 = System.nanoTime();
            var e = assertThrows(NvmeException.Timeout.class, () -> q.read(ns, 0, 1, m, 0));
            assertTrue(
                    e.getMessage()
                            .endsWith("did not complete within 200 ms; the Abort did not resolve it, so the"
                                    + " controller was reset"),
                    e.getMessage());
            assertEquals(1, ctrl.resets());
            assertEquals(7, q.free(), "the reset resolved the command and freed its identifier");
            byte[] data = new byte[8 * 512];
            new java.util.Random(7).nextBytes(data);
            b.segment().copyFrom(MemorySegment.ofArray(data));
            q.write(ns, 10, 8, m, 0);
            Thread.sleep(Math.max(0, TIMEOUT.multipliedBy(5).toMillis() - (System.nanoTime() - t0) / 1_000_000));
            int[] cids = new int[7];
            for (int i = 0; i < 7; i++) { // every identifier in use while the old completion would have come
                cids[i] = q.submitRead(ns, 10, 8, m, 0);
            }
            for (int cid : cids) {
                await(q, cid);
                q.finish(cid);
            }
            assertArrayEquals(data, b.segment().asSlice(0, data.length).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(0, q.unexpectedCompletions(), "no completion from before the reset arrived");
            assertEquals(1, ctrl.resets());
        }
    }

    @Test
    void anAdminTimeoutResetsTheControllerSoIdentifiersNeverRunOut() {
        open(2); // one admin command identifier
        for (int i = 0; i < 3; i++) {
            nvme.dropCompletions(1);
            var e = assertThrows(NvmeException.Timeout.class, () -> ctrl.namespace(1));
            assertTrue(
                    e.getMessage().endsWith("did not complete within 200 ms; the controller was reset"),
                    e.getMessage());
            assertEquals(512, ctrl.namespace(1).blockSize(), "the admin queue works after the reset");
        }
        assertEquals(3, ctrl.resets());
    }

    @Test
    void aLateIdentifyDoesNotLandInTheNextCommandsData() throws Exception {
        open(8);
        nvme.delayNext(AdminOpcode.IDENTIFY.value(), true, TIMEOUT.multipliedBy(2));
        assertThrows(NvmeException.Timeout.class, () -> ctrl.namespace(1));
        Thread.sleep(TIMEOUT.multipliedBy(3).toMillis());
        assertEquals(1, ctrl.namespaces().size(), "the next Identify (active namespace list) reads its own data");
        assertEquals(1, ctrl.resets());
    }

    @Test
    void controllerFatalStatusResetsTheControllerAndReCreatesTheIoQueues() {
        Namespace ns = open(8);
        try (IoQueue q1 = ctrl.createIoQueue(8);
                IoQueue q2 = ctrl.createIoQueue(16);
                DmaBuffer b = space.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            nvme.fatal();
            var e = assertThrows(NvmeException.Reset.class, () -> ctrl.namespace(1));
            assertTrue(
                    e.getMessage()
                            .contains("controller fatal status (CSTS.CFS) during admin Identify; the controller"
                                    + " was reset"),
                    e.getMessage());
            assertEquals(1, ctrl.resets());
            q1.read(ns, 0, 1, m, 0);
            q2.read(ns, 0, 1, m, 0);
            assertEquals(1, q1.qid());
            assertEquals(2, q2.qid());
            assertEquals(15, q2.free(), "re-created with its size");
            nvme.fatal();
            var io = assertThrows(NvmeException.Reset.class, () -> q1.write(ns, 0, 1, m, 0));
            assertTrue(
                    io.getMessage().contains("controller fatal status (CSTS.CFS) during Write of 1 blocks at LBA 0"),
                    io.getMessage());
            q1.write(ns, 0, 1, m, 0);
            assertEquals(2, ctrl.resets());
        }
    }

    @Test
    void resetFailsOutstandingCommandsWithATypedError() {
        Namespace ns = open(8);
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = space.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            nvme.dropCompletions(3);
            int[] cids = {q.submitRead(ns, 0, 1, m, 0), q.submitRead(ns, 1, 1, m, 0), q.submitRead(ns, 2, 1, m, 0)};
            assertEquals(0, q.poll());
            ctrl.reset();
            int next = q.submitRead(ns, 3, 1, m, 0); // re-creates the queue first
            int done = 0;
            for (int i = 0; i < 1000 && done < 4; i++) {
                done += q.poll();
            }
            assertEquals(4, done, "poll counts the three commands the reset finished, and the new one");
            q.finish(next);
            for (int cid : cids) {
                assertTrue(q.isDone(cid));
                var e = assertThrows(NvmeException.Reset.class, () -> q.finish(cid));
                assertTrue(
                        e.getMessage()
                                .endsWith("was outstanding when the controller was reset; it may or may not have run"),
                        e.getMessage());
            }
            assertEquals(7, q.free());
            q.read(ns, 0, 1, m, 0);
        }
    }
}
