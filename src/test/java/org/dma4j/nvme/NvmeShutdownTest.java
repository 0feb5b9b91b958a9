package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Shutdown waits as long as the controller says it may take (RTD3E), and says so when it does not complete. */
class NvmeShutdownTest {
    private final FakeDmaSpace space = FakeDmaSpace.open();
    private final FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults());
    private final FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:0c.0"), space, nvme);

    @AfterEach
    void close() {
        dev.close();
        space.close();
    }

    @Test
    void theShutdownTimeoutIsRtd3eWithLinuxsFloorAndCap() {
        Duration floor = ControllerRegs.SHUTDOWN_FLOOR;
        assertEquals(Duration.ofSeconds(5), ControllerRegs.shutdownTimeout(0, floor), "RTD3E 0: not reported");
        assertEquals(Duration.ofSeconds(5), ControllerRegs.shutdownTimeout(1_000_000, floor));
        assertEquals(Duration.ofSeconds(8), ControllerRegs.shutdownTimeout(8_000_000, floor));
        assertEquals(Duration.ofSeconds(60), ControllerRegs.shutdownTimeout(0xffff_ffffL, floor), "capped");
        assertEquals(Duration.ofMillis(1500), ControllerRegs.shutdownTimeout(1_500_000, Duration.ZERO));
    }

    @Test
    void aShutdownSlowerThanCapToIsWaitedForAsRtd3eSays() {
        // CAP.TO is 1 s on the fake; the shutdown takes 1.5 s and RTD3E allows 3 s.
        nvme.shutdownLatency(Duration.ofMillis(1500), 3_000_000);
        NvmeController c = NvmeController.open(dev, Duration.ofSeconds(2), 8, 2);
        c.setShutdownTimeout(Duration.ofMillis(100));
        assertEquals(Duration.ofSeconds(3), c.shutdownTimeout());
        long t0 = System.nanoTime();
        c.close(); // does not throw: the shutdown completed
        assertTrue(System.nanoTime() - t0 >= 1_500_000_000L, "close waited for CSTS.SHST");
        assertEquals(0, space.mappings().size());
    }

    @Test
    void aShutdownThatDoesNotCompleteIsReportedAfterEverythingIsReleased() {
        nvme.shutdownLatency(Duration.ofDays(1), 200_000); // RTD3E: 200 ms
        NvmeController c = NvmeController.open(dev, Duration.ofSeconds(2), 8, 2);
        c.setShutdownTimeout(Duration.ZERO);
        c.createIoQueue(8);
        var e = assertThrows(NvmeException.Timeout.class, c::close);
        assertEquals(
                "0000:00:0c.0: shutdown did not complete within 200 ms (CSTS.SHST is 1, not 2); the controller was"
                        + " disabled anyway, so data in a volatile write cache may be lost",
                e.getMessage());
        assertEquals(0, space.mappings().size(), "admin and I/O queues unmapped");
        assertEquals(0, dev.bar(0).read32(NvmeRegs.CSTS) & NvmeRegs.CSTS_RDY, "disabled");
        c.close(); // closed: harmless
    }
}
