package org.dma4j.fake;

import static org.dma4j.fake.NvmeByHand.CC_QES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.dma4j.fake.FakeNvme.Bug;
import org.dma4j.nvme.NvmeRegs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fake NVMe controller fails where hardware (the spec, and QEMU's model) fails: each test
 * does one thing wrong by hand and asserts the fake reports it, by name.
 */
class FakeNvmeStrictTest {
    private NvmeByHand rig;

    private NvmeByHand rig(FakeNvme.Config config) {
        rig = new NvmeByHand(config);
        return rig;
    }

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    private static FakeNvme.DriverBug bug(Bug expected, org.junit.jupiter.api.function.Executable action) {
        var e = assertThrows(FakeNvme.DriverBug.class, action);
        assertEquals(expected, e.bug(), e.getMessage());
        return e;
    }

    private static int cap(NvmeByHand r, int shift, int bits) {
        return (int) ((r.bar.read64(NvmeRegs.CAP) >>> shift) & ((1L << bits) - 1));
    }

    // --- completion queue flow control --------------------------------------------------------

    @Test
    void aFullCompletionQueueStallsTheControllerUntilTheHostFreesEntries() {
        NvmeByHand r = rig(FakeNvme.Config.defaults());
        r.enable(8, 4, CC_QES); // the admin CQ holds 3 completions
        for (int i = 0; i < 5; i++) {
            r.putGetFeatures();
        }
        r.ring(0);
        for (int i = 0; i < 3; i++) {
            assertTrue(r.posted(0, i, 1), "completion " + i);
            assertEquals(100 + i, r.cid(0, i));
        }
        assertFalse(r.posted(0, 3, 1), "a full CQ takes no fourth completion");
        r.ringCq(0, 3); // the host consumed three
        assertTrue(r.posted(0, 3, 1));
        assertEquals(103, r.cid(0, 3));
        assertTrue(r.posted(0, 0, 0), "the fifth wraps to entry 0 with the phase inverted");
        assertEquals(104, r.cid(0, 0));
        assertEquals(5, r.sqHead(0, 0), "the SQ head the controller reports");
        assertTrue(r.nvme.bugs().isEmpty());
    }

    @Test
    void aCqHeadDoorbellBeyondTheQueueOrPastTheTailIsADriverBug() {
        NvmeByHand r = rig(FakeNvme.Config.defaults());
        r.enable(8, 4, CC_QES);
        r.putGetFeatures();
        r.putGetFeatures();
        r.ring(0); // two completions posted: entries 0 and 1
        var past = bug(Bug.CQ_HEAD_PAST_TAIL, () -> r.ringCq(0, 3));
        assertTrue(past.getMessage().contains("frees 3 entries, but only 2 were posted"), past.getMessage());
        bug(Bug.DOORBELL_BEYOND_QUEUE, () -> r.ringCq(0, 4));
        r.ringCq(0, 2); // exactly what was posted: fine
        bug(Bug.CQ_HEAD_PAST_TAIL, () -> r.ringCq(0, 3));
        assertEquals(3, r.nvme.bugs().size());
    }

    @Test
    void submittingMoreThanTheCompletionsFreedOverflowsTheSq() {
        NvmeByHand r = rig(FakeNvme.Config.defaults());
        r.enable(4, 2, CC_QES); // the CQ holds one completion
        r.putGetFeatures();
        r.ring(0);
        assertTrue(r.posted(0, 0, 1));
        for (int i = 0; i < 3; i++) { // three more: the whole SQ less one, as far as the host knows
            r.putGetFeatures();
        }
        r.ring(0);
        r.putGetFeatures(); // no completion has said the SQ moved on: a fifth entry overruns it
        var e = bug(Bug.SQ_OVERFLOW, () -> r.ring(0));
        assertTrue(e.getMessage().contains("only 0 are free"), e.getMessage());
    }

    // --- asynchronous mode: the device thread -------------------------------------------------

    @Test
    void theDeviceThreadCompletesLaterAndStopsOnDisableAndOnClose() {
        NvmeByHand r = rig(FakeNvme.Config.defaults().asynchronous(Duration.ofMillis(1)));
        assertNull(r.nvme.deviceThread(), "no thread before CC.EN");
        r.enable(8, 8, CC_QES);
        r.awaitReady(true);
        Thread device = r.nvme.deviceThread();
        assertNotNull(device);
        assertTrue(device.isAlive());
        r.createIoQueue(8);
        r.put(1, 0x00, 1, 0, 0, 0, 0, 0); // Flush
        long t0 = System.nanoTime();
        r.ring(1);
        assertEquals(0, r.next(1));
        assertTrue(System.nanoTime() - t0 >= 1_000_000L, "an I/O completion comes after the latency");
        r.bar.write32(NvmeRegs.CC, CC_QES);
        assertFalse(device.isAlive(), "CC.EN=0 ends the device thread");
        assertNull(r.nvme.deviceThread());
        r.awaitReady(false);
        r.enable(8, 8, CC_QES);
        Thread again = r.nvme.deviceThread();
        assertTrue(again.isAlive());
        r.dev.close();
        assertFalse(again.isAlive(), "closing the device ends the device thread");
    }

    @Test
    void aDriverBugFoundByTheDeviceThreadIsThrownAtTheNextRegisterAccess() {
        NvmeByHand r = rig(FakeNvme.Config.defaults().asynchronous(Duration.ZERO));
        r.enable(8, 8, CC_QES);
        r.awaitReady(true);
        r.put(0, 0x0a, 0, 0, 0, 7, 0, 0);
        r.s.set(ValueLayout.JAVA_INT, 8, 1); // reserved dword 2
        r.ring(0);
        long t0 = System.nanoTime();
        while (r.nvme.bugs().isEmpty() && System.nanoTime() - t0 < 10_000_000_000L) {
            NvmeByHand.sleep(1);
        }
        bug(Bug.RESERVED_FIELDS_SET, () -> r.bar.read32(NvmeRegs.CSTS));
        assertEquals(
                NvmeRegs.CSTS_CFS,
                r.bar.read32(NvmeRegs.CSTS) & NvmeRegs.CSTS_CFS,
                "and the controller stops (CSTS.CFS)");
    }

    // --- timed CSTS.RDY and shutdown ------------------------------------------------------------

    @Test
    void readyTakesItsTimeAndADoorbellBeforeItIsADriverBug() {
        NvmeByHand r = rig(FakeNvme.Config.defaults().withDelays(Duration.ofMillis(150), Duration.ZERO));
        assertEquals(2, cap(r, 24, 8), "CAP.TO: 1 s covers the 150 ms ready delay");
        r.enable(8, 8, CC_QES);
        assertEquals(0, r.bar.read32(NvmeRegs.CSTS) & 1, "not ready at once");
        r.putGetFeatures();
        var e = bug(Bug.DOORBELL_BEFORE_READY, () -> r.ring(0));
        assertTrue(e.getMessage().contains("wait for CSTS.RDY to become 1"), e.getMessage());
        assertTrue(r.awaitReady(true) >= 100, "ready after its delay");
        r.ring(0);
        assertEquals(0, r.next(0));
    }

    @Test
    void enablingBeforeTheDisableCompletedIsADriverBug() {
        NvmeByHand r = rig(FakeNvme.Config.defaults().withDelays(Duration.ofMillis(150), Duration.ZERO));
        r.enable(8, 8, CC_QES);
        r.awaitReady(true);
        r.bar.write32(NvmeRegs.CC, CC_QES);
        assertEquals(1, r.bar.read32(NvmeRegs.CSTS) & 1, "RDY follows CC.EN=0 only after the delay");
        var early = bug(Bug.ENABLE_BEFORE_DISABLE_DONE, () -> r.enable(8, 8, CC_QES));
        assertTrue(early.getMessage().contains("wait for CSTS.RDY to become 0"), early.getMessage());
        assertTrue(r.awaitReady(false) >= 50);
        r.enable(8, 8, CC_QES);
        r.awaitReady(true);
    }

    @Test
    void shutdownTakesItsTimeWithinTheRtd3eThatIdentifyReports() {
        NvmeByHand r = rig(FakeNvme.Config.defaults()
                .withDelays(Duration.ZERO, Duration.ofMillis(200))
                .withRtd3e(400_000));
        r.enable(8, 8, CC_QES);
        r.awaitReady(true);
        r.put(0, 0x06, 0, r.page(8), 0, 1, 0, 0); // Identify Controller
        r.ring(0);
        assertEquals(0, r.next(0));
        assertEquals(400_000, r.s.get(ValueLayout.JAVA_INT, 8 * NvmeByHand.PAGE + 88), "RTD3E in microseconds");

        long t0 = System.nanoTime();
        r.bar.write32(NvmeRegs.CC, NvmeRegs.CC_EN | CC_QES | NvmeRegs.CC_SHN_NORMAL);
        assertEquals(1 << 2, r.bar.read32(NvmeRegs.CSTS) & NvmeRegs.CSTS_SHST_MASK, "shutdown processing occurring");
        while ((r.bar.read32(NvmeRegs.CSTS) & NvmeRegs.CSTS_SHST_MASK) != NvmeRegs.CSTS_SHST_COMPLETE) {
            NvmeByHand.sleep(1);
        }
        assertTrue(System.nanoTime() - t0 >= 150_000_000L, "the shutdown took its time");
        r.bar.write32(NvmeRegs.CC, CC_QES);
        assertEquals(0, r.bar.read32(NvmeRegs.CSTS) & NvmeRegs.CSTS_SHST_MASK, "a reset clears SHST");
    }

    @Test
    void capToAndRtd3eCoverLongDelays() {
        NvmeByHand r = rig(FakeNvme.Config.defaults().withDelays(Duration.ofMillis(1200), Duration.ofSeconds(3)));
        assertEquals(3, cap(r, 24, 8), "CAP.TO in 500 ms units covers 1.2 s");
        assertEquals(3_000_000, r.nvme.config().rtd3eMicros());
        var tooSlow = assertThrows(
                IllegalArgumentException.class,
                () -> FakeNvme.Config.defaults()
                        .withDelays(Duration.ZERO, Duration.ofMillis(5))
                        .withRtd3e(10));
        assertTrue(tooSlow.getMessage().contains("exceeds RTD3E"), tooSlow.getMessage());
    }

    @Test
    void aHungShutdownStaysInProcessing() {
        NvmeByHand r = rig(FakeNvme.Config.defaults());
        r.enable(8, 8, CC_QES);
        r.nvme.hangShutdown();
        r.bar.write32(NvmeRegs.CC, NvmeRegs.CC_EN | CC_QES | NvmeRegs.CC_SHN_NORMAL);
        NvmeByHand.sleep(50);
        assertEquals(1 << 2, r.bar.read32(NvmeRegs.CSTS) & NvmeRegs.CSTS_SHST_MASK);
    }

    // --- CC.IOSQES/IOCQES, CC.MPS, queue creation ---------------------------------------------

    @Test
    void wrongQueueEntrySizesAtEnableAreADriverBugAndTheControllerFails() {
        NvmeByHand r = rig(FakeNvme.Config.defaults());
        var e = bug(Bug.BAD_QUEUE_ENTRY_SIZE, () -> r.enable(8, 8, 7 << 16 | 4 << 20));
        assertTrue(e.getMessage().contains("CC.IOSQES 7"), e.getMessage());
        assertEquals(NvmeRegs.CSTS_CFS, r.bar.read32(NvmeRegs.CSTS) & NvmeRegs.CSTS_CFS, "QEMU's start failure");
    }

    @Test
    void ioQueuesNeedTheEntrySizesSetBeforeCreation() {
        NvmeByHand r = rig(FakeNvme.Config.defaults());
        r.enable(8, 8, 0); // allowed: an admin-only controller needs no I/O entry sizes
        r.awaitReady(true);
        assertEquals(0, r.admin(0x09, 0, 7, 0));
        assertEquals(1 << 8 | 0x02, r.admin(0x05, r.page(3), 7 << 16 | 1, 1), "QEMU: Invalid Queue Size");
        assertEquals(Bug.BAD_QUEUE_ENTRY_SIZE, r.nvme.bugs().get(0).bug());
    }

    @Test
    void queueCreationChecksContiguityAndPageAlignment() {
        NvmeByHand r = rig(FakeNvme.Config.defaults());
        r.enable(16, 16, CC_QES);
        r.awaitReady(true);
        assertEquals(0, r.admin(0x09, 0, 7, 0));
        assertEquals(0x02, r.admin(0x05, r.page(3), 7 << 16 | 1, 0), "CQ with PC=0: Invalid Field");
        assertEquals(0x13, r.admin(0x05, r.page(3) + 256, 7 << 16 | 1, 1), "CQ off a page: Invalid PRP Offset");
        assertEquals(0, r.admin(0x05, r.page(3), 7 << 16 | 1, 1));
        assertEquals(0x02, r.admin(0x01, r.page(2), 7 << 16 | 1, 1 << 16), "SQ with PC=0");
        assertEquals(0x13, r.admin(0x01, r.page(2) + 64, 7 << 16 | 1, 1 << 16 | 1), "SQ off a page");
        assertEquals(
                java.util.List.of(
                        Bug.QUEUE_NOT_CONTIGUOUS,
                        Bug.QUEUES_NOT_PAGE_ALIGNED,
                        Bug.QUEUE_NOT_CONTIGUOUS,
                        Bug.QUEUES_NOT_PAGE_ALIGNED),
                r.nvme.bugs().stream().map(FakeNvme.DriverBug::bug).toList());
        assertTrue(r.nvme.bugs().get(0).getMessage().contains("CAP.CQR=1"));
        assertEquals(1, cap(r, 16, 1), "CAP.CQR");
    }

    @Test
    void aCqInterruptVectorBeyondTheMsixTableIsInvalid() {
        NvmeByHand r = rig(FakeNvme.Config.defaults());
        r.enable(16, 16, CC_QES);
        r.awaitReady(true);
        assertEquals(0, r.admin(0x09, 0, 7, 0));
        int vector = FakeNvme.MSIX_VECTORS;
        assertEquals(
                1 << 8 | 0x08,
                r.admin(0x05, r.page(3), 7 << 16 | 1, vector << 16 | 1 << 1 | 1),
                "Invalid Interrupt Vector");
        assertEquals(Bug.INVALID_INTERRUPT_VECTOR, r.nvme.bugs().get(0).bug());
        assertEquals(0, r.admin(0x05, r.page(3), 7 << 16 | 1, (vector - 1) << 16 | 1 << 1 | 1));
    }

    @Test
    void deletingACqThatAnSqStillUsesIsInvalidQueueDeletion() {
        NvmeByHand r = rig(FakeNvme.Config.defaults());
        r.enable(16, 16, CC_QES);
        r.awaitReady(true);
        r.createIoQueue(8);
        assertEquals(1 << 8 | 0x0c, r.admin(0x04, 0, 1, 0), "Invalid Queue Deletion");
        assertEquals(Bug.INVALID_QUEUE_DELETION, r.nvme.bugs().get(0).bug());
        assertEquals(0, r.admin(0x00, 0, 1, 0), "delete the SQ first");
        assertEquals(0, r.admin(0x04, 0, 1, 0), "then its CQ");
    }

    @Test
    void deletingAnSqAbortsTheCommandsItStillHolds() {
        NvmeByHand r = rig(FakeNvme.Config.defaults().asynchronous(Duration.ofSeconds(30)));
        r.enable(16, 16, CC_QES);
        r.awaitReady(true);
        r.createIoQueue(8);
        int a = r.put(1, 0x00, 1, 0, 0, 0, 0, 0);
        int b = r.put(1, 0x00, 1, 0, 0, 0, 0, 0);
        r.ring(1);
        NvmeByHand.sleep(20); // fetched by the device thread, far from due
        assertEquals(0, r.admin(0x00, 0, 1, 0));
        assertEquals(0x08, r.status(1, 0), "Command Aborted due to SQ Deletion");
        assertEquals(0x08, r.status(1, 1));
        assertEquals(java.util.Set.of(a, b), java.util.Set.of(r.cid(1, 0), r.cid(1, 1)));
        assertTrue(r.posted(1, 0, 1) && r.posted(1, 1, 1));
    }

    @Test
    void anIoCompletionQueueStallsItsSqUntilTheHostFreesEntries() {
        NvmeByHand r = rig(FakeNvme.Config.defaults());
        r.enable(16, 16, CC_QES);
        r.awaitReady(true);
        r.createIoQueue(4);
        r.put(1, 0x00, 1, 0, 0, 0, 0, 0);
        r.ring(1);
        assertEquals(0, r.status(1, 0)); // the I/O CQ (4 entries) now holds one; room for two more
        for (int i = 0; i < 3; i++) {
            r.put(1, 0x00, 1, 0, 0, 0, 0, 0);
        }
        r.ring(1); // two complete; the third waits for CQ room
        assertTrue(r.posted(1, 2, 1));
        assertFalse(r.posted(1, 3, 1));
        r.ringCq(1, 3);
        assertEquals(0, r.status(1, 3), "freed room: the third completes");
    }

    // --- PRP lists -------------------------------------------------------------------------------

    private NvmeByHand ioRig() {
        NvmeByHand r = rig(FakeNvme.Config.defaults());
        r.enable(16, 16, CC_QES);
        r.awaitReady(true);
        r.createIoQueue(8);
        return r;
    }

    @Test
    void aPrpListPointerMustBeQwordAligned() {
        NvmeByHand r = ioRig();
        r.put(1, 0x02, 1, r.page(8), r.page(4) + 4, 0, 0, 31); // 16 KiB: PRP2 is a list
        var e = bug(Bug.BAD_PRP_LIST_POINTER, () -> r.ring(1));
        assertTrue(e.getMessage().contains("must be qword aligned"), e.getMessage());
    }

    @Test
    void prpListsChainThroughTheirLastEntryWhichMustBePageAligned() {
        NvmeByHand r = ioRig();
        long list = r.page(4) + NvmeByHand.PAGE - 16; // an offset is allowed: two entries left in this page
        r.s.set(ValueLayout.JAVA_LONG, 4 * NvmeByHand.PAGE + NvmeByHand.PAGE - 16, r.page(9));
        r.s.set(ValueLayout.JAVA_LONG, 4 * NvmeByHand.PAGE + NvmeByHand.PAGE - 8, r.page(5)); // chain to the next list
        r.s.set(ValueLayout.JAVA_LONG, 5 * NvmeByHand.PAGE, r.page(10));
        r.s.set(ValueLayout.JAVA_LONG, 5 * NvmeByHand.PAGE + 8, r.page(11));
        r.put(1, 0x02, 1, r.page(8), list, 0, 0, 31);
        r.ring(1);
        assertEquals(0, r.next(1), "a well-formed chained list reads");

        r.s.set(ValueLayout.JAVA_LONG, 4 * NvmeByHand.PAGE + NvmeByHand.PAGE - 8, r.page(5) + 8);
        r.put(1, 0x02, 1, r.page(8), list, 0, 0, 31);
        var e = bug(Bug.BAD_PRP_LIST_POINTER, () -> r.ring(1));
        assertTrue(e.getMessage().contains("must be page aligned"), e.getMessage());
    }

    // --- CAP.DSTRD and CAP.MPSMIN ---------------------------------------------------------------

    @Test
    void doorbellsFollowTheStrideAndAWriteBetweenThemIsADriverBug() {
        NvmeByHand r = rig(FakeNvme.Config.defaults().withDoorbellStride(2));
        assertEquals(2, cap(r, 32, 4), "CAP.DSTRD");
        assertEquals(16, r.stride);
        r.enable(8, 8, CC_QES);
        r.putGetFeatures();
        var e = bug(
                Bug.DOORBELL_NOT_ON_STRIDE, () -> r.bar.write32(NvmeRegs.DOORBELLS + 4, 1)); // a 4-byte-stride driver
        assertTrue(e.getMessage().contains("16 bytes apart"), e.getMessage());
        r.ring(0);
        assertEquals(0, r.next(0), "SQ 0 tail at 0x1000 and CQ 0 head at 0x1010");
    }

    @Test
    void aPageSizeBelowMpsminIsRefusedAtEnable() {
        NvmeByHand r = rig(FakeNvme.Config.defaults().withMpsMin(1));
        assertEquals(1, cap(r, 48, 4), "CAP.MPSMIN");
        var e = bug(Bug.PAGE_SIZE_UNSUPPORTED, () -> r.enable(8, 8, CC_QES));
        assertTrue(e.getMessage().contains("CC.MPS 0"), e.getMessage());
        r.bar.write32(NvmeRegs.CC, 0);
        r.awaitReady(false);
        // 8 KiB pages: the admin queues at 4 KiB-but-not-8 KiB alignment are refused too.
        long odd = (r.page(0) & 0x1fff) == 0 ? 1 : 0;
        r.bar.write32(NvmeRegs.AQA, 7 | 7 << 16);
        r.bar.write64(NvmeRegs.ASQ, r.page((int) odd));
        r.bar.write64(NvmeRegs.ACQ, r.page((int) odd + 2));
        bug(Bug.QUEUES_NOT_PAGE_ALIGNED, () -> r.bar.write32(NvmeRegs.CC, NvmeRegs.CC_EN | CC_QES | 1 << 7));
    }
}
