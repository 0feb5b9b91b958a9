package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.dma4j.ConcurrentUseException;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.spec.NvmOpcode;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The completion API on the synchronous fake: {@link IoQueue#poll(CompletionHandler)} hands over
 * exactly the submitted commands with their status and dword 0, a batch poll fills arrays,
 * futures complete and fail, a reset fails what was outstanding, and completion entries that
 * cannot be trusted are typed errors.
 */
class IoQueueCompletionTest {
    private final FakeDmaSpace space = FakeDmaSpace.open();
    private final FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults());
    private final FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:0c.0"), space, nvme);
    private final NvmeController ctrl = NvmeController.open(dev, Duration.ofMillis(500), 16, 4);
    private final Namespace ns = ctrl.namespace(1);
    private final DmaBuffer buf = DmaBuffer.allocate(8 * 4096);
    private final DmaMapping m = space.map(buf, DmaDirection.BIDIRECTIONAL);
    /** What handlers saw: {cid, status, result} per completion. */
    private final List<int[]> seen = new ArrayList<>();

    private final CompletionHandler record = (cid, status, result) -> seen.add(new int[] {cid, status, result});

    @AfterEach
    void close() {
        try {
            m.close();
            buf.close();
            ctrl.close();
        } finally {
            dev.close();
            space.close();
        }
        assertTrue(nvme.bugs().isEmpty(), nvme.bugs().toString());
        assertTrue(space.faults().isEmpty(), space.faults().toString());
    }

    private Set<Integer> seenCids() {
        Set<Integer> cids = new HashSet<>();
        for (int[] c : seen) {
            assertTrue(cids.add(c[0]), "CID " + c[0] + " handed over twice");
        }
        return cids;
    }

    @Test
    void theHandlerGetsExactlyTheSubmittedCommandsOnceEach() {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            Set<Integer> submitted = new HashSet<>();
            for (int i = 0; i < 7; i++) {
                submitted.add(i % 2 == 0 ? q.submitRead(ns, i, 1, m, i * 512L) : q.submitWrite(ns, i, 1, m, i * 512L));
            }
            assertEquals(7, submitted.size());
            assertEquals(-1, q.submitRead(ns, 0, 1, m, 0), "the queue is full");
            assertEquals(7, q.poll(record));
            assertEquals(submitted, seenCids());
            for (int[] c : seen) {
                assertEquals(0, c[1], "status of CID " + c[0]);
                assertEquals(0, c[2], "dword 0 of CID " + c[0]);
            }
            assertEquals(7, q.free(), "every CID is free again");
            assertEquals(0, q.poll(record), "nothing is handed over twice");
            assertEquals(0, q.unexpectedCompletions());
        }
    }

    @Test
    void aHandlerMaySubmitAgainAndTheLoopKeepsItsDepth() {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            int[] count = new int[1];
            CompletionHandler again = (cid, status, result) -> {
                assertEquals(0, status);
                if (++count[0] < 1000) {
                    assertTrue(q.submitRead(ns, count[0] % 64, 1, m, 0) >= 0, "the handler's CID was free");
                }
            };
            for (int i = 0; i < 4; i++) {
                q.submitRead(ns, i, 1, m, 0);
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (count[0] < 1003 && System.nanoTime() < deadline) {
                q.poll(again);
            }
            assertEquals(1003, count[0], "999 resubmissions and the 4 first");
            assertEquals(7, q.free());
        }
    }

    @Test
    void errorStatusesAreDelivered() {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            nvme.failNext(NvmOpcode.READ.value(), false, 2, 0x81);
            int bad = q.submitRead(ns, 0, 1, m, 0);
            int good = q.submitRead(ns, 1, 1, m, 0);
            assertEquals(2, q.poll(record));
            assertEquals(bad, seen.get(0)[0]);
            assertEquals(new NvmeStatus(2, 0x81, false), NvmeStatus.of(seen.get(0)[1]));
            assertEquals(good, seen.get(1)[0]);
            assertEquals(0, seen.get(1)[1]);
        }
    }

    @Test
    void dwordZeroIsHandedOverAsPosted() {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            int cid = q.submitRead(ns, 0, 1, m, 0);
            q.pair()
                    .cqMemory()
                    .set(ValueLayout.JAVA_INT, 0, 0x1234_5678); // the entry at CQ head 0, posted at the doorbell
            assertEquals(1, q.poll(record));
            assertEquals(cid, seen.get(0)[0]);
            assertEquals(0x1234_5678, seen.get(0)[2]);
        }
    }

    @Test
    void aBatchPollFillsTheArraysAndLeavesTheRestForTheNextCall() {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            Set<Integer> submitted = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                submitted.add(q.submitRead(ns, i, 1, m, 0));
            }
            nvme.failNext(NvmOpcode.WRITE.value(), false, 0, 0x80);
            int failing = q.submitWrite(ns, 4, 1, m, 0);
            submitted.add(failing);
            int[] cids = new int[3];
            int[] statuses = new int[3];
            Set<Integer> got = new HashSet<>();
            int failedStatus = 0;
            assertEquals(3, q.poll(cids, statuses));
            for (int i = 0; i < 3; i++) {
                got.add(cids[i]);
                failedStatus |= cids[i] == failing ? statuses[i] : 0;
                assertTrue(cids[i] == failing || statuses[i] == 0);
            }
            assertEquals(2, q.poll(cids, statuses));
            for (int i = 0; i < 2; i++) {
                got.add(cids[i]);
                failedStatus |= cids[i] == failing ? statuses[i] : 0;
                assertTrue(cids[i] == failing || statuses[i] == 0);
            }
            assertEquals(submitted, got);
            assertEquals(new NvmeStatus(0, 0x80, false), NvmeStatus.of(failedStatus));
            assertEquals(0, q.poll(cids, null));
            assertEquals(7, q.free());
            assertThrows(IllegalArgumentException.class, () -> q.poll(new int[4], new int[3]));
        }
    }

    @Test
    void completionsASynchronousCommandSawAreHandedOverByTheNextPoll() {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            int cid = q.submitRead(ns, 0, 1, m, 0);
            q.flush(ns); // polls the queue and so reaps the Read's completion first
            assertEquals(1, q.poll(record));
            assertEquals(Set.of(cid), seenCids());
        }
    }

    @Test
    void futuresCompleteAndFail() {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            buf.segment().fill((byte) 0x5a);
            q.write(ns, 3, 1, m, 0);
            buf.segment().fill((byte) 0);
            CompletableFuture<Void> ok = q.readAsync(ns, 3, 1, m, 0);
            nvme.failNext(NvmOpcode.WRITE.value(), false, 2, 0x80);
            CompletableFuture<Void> failed = q.writeAsync(ns, 4, 1, m, 4096);
            assertFalse(ok.isDone(), "only the owner's poll completes a future");
            assertEquals(0, q.poll(record), "futures are not handed to the handler");
            assertTrue(ok.isDone());
            assertEquals(null, ok.join());
            assertEquals(0x5a, buf.segment().get(ValueLayout.JAVA_BYTE, 511));
            CompletionException e = assertThrows(CompletionException.class, failed::join);
            NvmeException n = assertInstanceOf(NvmeException.class, e.getCause());
            assertEquals(new NvmeStatus(2, 0x80, false), n.status());
            assertEquals(7, q.free());
        }
    }

    @Test
    void aResetFailsOutstandingFuturesAndHandsResetToTheHandler() {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            nvme.dropCompletions(2);
            CompletableFuture<Void> f = q.readAsync(ns, 0, 1, m, 0);
            int cid = q.submitRead(ns, 1, 1, m, 0);
            ctrl.reset();
            assertFalse(f.isDone(), "the owner's next use of the queue resolves it");
            assertEquals(1, q.poll(record), "the submitted Read, failed by the reset");
            assertEquals(cid, seen.get(0)[0]);
            assertEquals(CompletionHandler.RESET, seen.get(0)[1]);
            CompletionException e = assertThrows(CompletionException.class, f::join);
            assertInstanceOf(NvmeException.Reset.class, e.getCause());
            assertEquals(7, q.free());
            q.read(ns, 0, 1, m, 0); // the queue works again
        }
    }

    @Test
    void closingTheQueueFailsItsOutstandingFutures() {
        IoQueue q = ctrl.createIoQueue(8);
        nvme.dropCompletions(1);
        CompletableFuture<Void> f = q.readAsync(ns, 0, 1, m, 0);
        q.close();
        CompletionException e = assertThrows(CompletionException.class, f::join);
        assertInstanceOf(NvmeException.class, e.getCause());
    }

    @Test
    void aFullQueueRefusesAFutureWithATypedError() {
        try (IoQueue q = ctrl.createIoQueue(2)) {
            q.readAsync(ns, 0, 1, m, 0);
            assertThrows(NvmeException.class, () -> q.readAsync(ns, 0, 1, m, 0));
            q.poll(); // completes the first future and frees its CID
            CompletableFuture<Void> f = q.readAsync(ns, 0, 1, m, 0);
            q.poll();
            f.join();
        }
    }

    /** Submits two Reads, spoils the first completion entry with {@code spoil}, polls: the second is handed over, then a typed error. */
    private NvmeException.InvalidCompletion spoiled(IoQueue q, int offset, int value) {
        int first = q.submitRead(ns, 0, 1, m, 0);
        int second = q.submitRead(ns, 1, 1, m, 0);
        MemorySegment cq = q.pair().cqMemory();
        cq.set(ValueLayout.JAVA_SHORT, offset, (short) value);
        var e = assertThrows(NvmeException.InvalidCompletion.class, () -> q.poll(record));
        assertEquals(1, seen.size(), "the valid entry after the bogus one was handed over");
        assertEquals(second, seen.get(0)[0]);
        assertEquals(1, q.unexpectedCompletions());
        assertEquals(
                1, q.pair().isOutstanding(first) ? 1 : 0, "the command the bogus entry named is still outstanding");
        return e;
    }

    @Test
    void aCidBeyondTheQueueIsATypedError() {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            var e = spoiled(q, 12, 999);
            assertEquals(999, e.cid());
            assertEquals(q.qid(), e.qid());
            assertTrue(e.getMessage().contains("the CID is beyond the queue's 7 command identifiers"), e.getMessage());
        }
    }

    @Test
    void anotherQueuesSqIdIsATypedError() {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            var e = spoiled(q, 10, q.qid() + 1);
            assertTrue(e.getMessage().contains("names another submission queue"), e.getMessage());
        }
    }

    @Test
    void aSecondThreadUsingTheQueueWhileItsOwnerPollsIsATypedError() throws Exception {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            int cid = q.submitRead(ns, 0, 1, m, 0);
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch tried = new CountDownLatch(1);
            AtomicReference<Throwable> other = new AtomicReference<>();
            Thread intruder = new Thread(
                    () -> {
                        try {
                            inside.await(5, TimeUnit.SECONDS);
                            q.submitRead(ns, 1, 1, m, 0);
                        } catch (Throwable e) {
                            other.set(e);
                        } finally {
                            tried.countDown();
                        }
                    },
                    "intruder");
            intruder.start();
            assertEquals(1, q.poll((c, status, result) -> {
                seen.add(new int[] {c, status, result});
                inside.countDown();
                try {
                    tried.await(5, TimeUnit.SECONDS); // the owner is inside poll while the intruder submits
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            intruder.join(5000);
            var e = assertInstanceOf(ConcurrentUseException.class, other.get());
            assertTrue(
                    e.getMessage()
                            .contains("is in use by thread '"
                                    + Thread.currentThread().getName() + "' while 'intruder'"),
                    e.getMessage());
            assertEquals(Set.of(cid), seenCids());
            assertEquals(7, q.free(), "the intruder took no command identifier");
        }
    }

    @Test
    void aQueueHandedToAnotherThreadKeepsWorking() throws Exception {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            int cid = q.submitRead(ns, 0, 1, m, 0);
            AtomicInteger polled = new AtomicInteger(-1);
            Thread next = new Thread(() -> polled.set(q.poll(record))); // start() hands the queue over
            next.start();
            next.join(5000);
            assertEquals(1, polled.get());
            assertEquals(Set.of(cid), seenCids());
            seen.clear();
            int again = q.submitRead(ns, 1, 1, m, 0); // and back, after join()
            assertEquals(1, q.poll(record));
            assertEquals(Set.of(again), seenCids());
        }
    }

    @Test
    void anSqHeadOutsideTheQueueIsATypedError() {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            var e = spoiled(q, 8, 8); // slots 0 to 7
            assertTrue(e.getMessage().contains("the SQ head is beyond the queue's 8 entries"), e.getMessage());
        }
    }

    @Test
    void anSqHeadOutOfOrderKeepsTheCompletionAndIsNotTaken() {
        // Controllers may post completions in another order than they fetched the commands, so an
        // SQ head behind the last one (or past the tail) is not corruption: Linux ignores SQHD.
        try (IoQueue q = ctrl.createIoQueue(8)) {
            int first = q.submitRead(ns, 0, 1, m, 0);
            int second = q.submitRead(ns, 1, 1, m, 0);
            q.pair().cqMemory().set(ValueLayout.JAVA_SHORT, 8, (short) 5); // two submitted: in order it is 0 to 2
            assertEquals(2, q.poll(record));
            assertEquals(Set.of(first, second), seenCids());
            assertEquals(0, q.unexpectedCompletions());
            assertEquals(1, q.pair().staleSqHeads());
        }
    }

    @Test
    void aDuplicateIsATypedErrorOnPollAndTheCommandCompletesOnce() {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            nvme.duplicateCompletions(1);
            int cid = q.submitRead(ns, 0, 1, m, 0);
            var e = assertThrows(NvmeException.InvalidCompletion.class, () -> q.poll(record));
            assertEquals(cid, e.cid());
            assertTrue(e.getMessage().contains("no command with that CID is outstanding"), e.getMessage());
            assertEquals(Set.of(cid), seenCids());
            assertEquals(0, q.poll(record));
            assertEquals(7, q.free(), "no identifier was freed twice");
        }
    }

    @Test
    void badArgumentsAreTypedNotIndexErrors() {
        try (IoQueue q = ctrl.createIoQueue(8)) {
            assertThrows(IllegalArgumentException.class, () -> q.isDone(7));
            assertThrows(IllegalArgumentException.class, () -> q.finish(-1));
            assertThrows(IllegalArgumentException.class, () -> q.poll((CompletionHandler) null));
        }
    }
}
