package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.nvme.spec.AdminOpcode;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A failed bring-up undoes itself: a failure injected at every step of opening a controller and
 * creating an I/O queue (register access, enabling vectors, allocating and mapping queue memory,
 * every admin command) leaves no mapping, no enabled vector and no allocated buffer behind, and
 * what surfaces is the failure itself, not an error of the clean-up. The fake IOMMU throws on a
 * buffer closed while mapped and on mappings leaked at close, so any wrong undo order shows.
 */
class NvmeBringUpUnwindTest {
    private static NvmeController open(FaultyDevice d, boolean interrupts) {
        return interrupts
                ? NvmeController.openWithInterrupts(d, Duration.ofSeconds(2), 8, 2)
                : NvmeController.open(d, Duration.ofSeconds(2), 8, 2);
    }

    /** Step n fails once (sticky false), or every step from n on fails (the device went away). */
    @ParameterizedTest(name = "interrupts {0}, sticky {1}")
    @CsvSource({"false, false", "false, true", "true, false", "true, true"})
    void aFailureAtEveryStepIsUndoneAndSurfaces(boolean interrupts, boolean sticky) {
        int allSteps = 0;
        for (int n = 1; n < 10_000; n++) {
            FaultyDevice d = new FaultyDevice();
            d.failAt(n, sticky);
            NvmeController c = null;
            try {
                c = open(d, interrupts);
                int afterOpen = d.fakeSpace.mappings().size();
                try {
                    c.createIoQueue(8).close();
                } catch (FaultyDevice.Injected e) {
                    assertSame(d.thrown, e, "the first failure surfaces");
                    assertEquals(
                            afterOpen,
                            d.fakeSpace.mappings().size(),
                            "the failed I/O queue left mappings: " + d.fakeSpace.mappings());
                }
                if (d.thrown == null) {
                    allSteps = n - 1;
                    c.close();
                    assertNothingLeft(d);
                    d.close();
                    break;
                }
                NvmeController opened = c;
                if (sticky) {
                    assertThrows(FaultyDevice.Injected.class, opened::close, "closing a vanished device says so");
                } else {
                    opened.close();
                }
            } catch (FaultyDevice.Injected e) {
                assertSame(d.thrown, e, "the first failure surfaces, not one of the undo: " + e);
            }
            assertNothingLeft(d);
            d.close();
            assertTrue(d.fakeSpace.faults().isEmpty(), "step " + n + ": " + d.fakeSpace.faults());
        }
        assertTrue(allSteps > 30, "bring-up and one I/O queue take " + allSteps + " steps; each was failed once");
    }

    private static void assertNothingLeft(FaultyDevice d) {
        assertEquals(0, d.fakeSpace.mappings().size(), "live mappings: " + d.fakeSpace.mappings());
        assertEquals(0, d.liveVectors(), "vectors still enabled");
        assertEquals(0, d.openBuffers(), "DMA buffers still allocated");
        assertTrue(d.fakeSpace.faults().isEmpty(), "DMA-debug faults: " + d.fakeSpace.faults());
    }

    /** An admin command failing with an NVMe status: that status surfaces, and nothing is left behind. */
    @ParameterizedTest(name = "opcode {0}")
    @EnumSource(
            value = AdminOpcode.class,
            names = {"IDENTIFY", "SET_FEATURES"})
    void anNvmeStatusDuringBringUpSurfaces(AdminOpcode opcode) {
        FaultyDevice d = new FaultyDevice();
        d.nvme.failNext(opcode.value(), true, 0, 0x06);
        var e = assertThrows(NvmeException.class, () -> open(d, true));
        assertEquals(new NvmeStatus(0, 0x06, false), e.status(), e.toString());
        assertTrue(e.getMessage().contains("admin " + opcode.specName() + " failed"), e.getMessage());
        assertEquals(0, e.getSuppressed().length, "a clean undo adds nothing");
        assertNothingLeft(d);
        d.close();
        assertTrue(d.fakeSpace.faults().isEmpty(), d.fakeSpace.faults().toString());
    }

    /** Create I/O CQ or SQ failing: the status surfaces, the queue's memory is gone, and the qid can be created again. */
    @ParameterizedTest(name = "opcode {0}")
    @EnumSource(
            value = AdminOpcode.class,
            names = {"CREATE_IO_CQ", "CREATE_IO_SQ"})
    void aFailedQueueCreationIsUndone(AdminOpcode opcode) {
        FakeDmaSpace space = FakeDmaSpace.open();
        FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults());
        FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:0a.0"), space, nvme);
        try (NvmeController c = NvmeController.open(dev, Duration.ofSeconds(2), 8, 2)) {
            int admin = space.mappings().size();
            nvme.failNext(opcode.value(), true, 1, 0x02);
            var e = assertThrows(NvmeException.class, () -> c.createIoQueue(8));
            assertEquals(new NvmeStatus(1, 0x02, false), e.status());
            assertEquals(admin, space.mappings().size(), "the queue's memory is unmapped");
            try (IoQueue q = c.createIoQueue(8)) { // the CQ of a failed SQ was deleted: qid 1 is free on the controller
                assertEquals(1, q.qid());
            }
            assertTrue(nvme.bugs().isEmpty(), nvme.bugs().toString());
        } finally {
            dev.close();
            space.close();
        }
        if (!space.faults().isEmpty()) {
            fail(space.faults().toString());
        }
    }
}
