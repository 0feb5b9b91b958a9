package org.dma4j.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNamespace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.nvme.NvmeController;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.Test;

/**
 * The soak on the fake: 4 queues on 4 threads, asynchronous device, mixed sizes and opcodes,
 * every byte verified; then no leak. {@code -Ddma4j.soak.seconds=N} (default 60) and
 * {@code -Ddma4j.soak.seed=S} (default: the clock, printed) replay or lengthen it.
 */
class FakeSoakTest {
    @Test
    @SuppressWarnings("try") // closes the controller inside its try on purpose: nothing may be left mapped then
    void soak() throws Exception {
        long seconds = Long.getLong("dma4j.soak.seconds", 60);
        long seed = Long.getLong("dma4j.soak.seed", System.nanoTime());
        System.out.println(
                "FakeSoakTest: seed " + seed + ", " + seconds + " s (replay: -Ddma4j.soak.seed=" + seed + ")");
        Leaks before = Leaks.now();
        FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults()
                .withNamespaces(FakeNamespace.of(1 << 17, 512))
                .asynchronous(Duration.ofNanos(20_000)));
        Soak.Result r;
        try (FakeDmaSpace space = FakeDmaSpace.open();
                FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:04.0"), space, nvme);
                NvmeController c = NvmeController.open(dev, Duration.ofSeconds(10), 16, 4)) {
            r = Soak.run(c, space, c.namespaces().get(0), 4, seconds, seed);
            System.out.println("FakeSoakTest: " + r);
            c.close();
            assertEquals(List.of(), space.mappings(), "mappings left after close");
            assertEquals(List.of(), nvme.bugs());
            assertEquals(List.of(), space.faults());
        }
        assertTrue(r.ios() > 0);
        assertEquals(List.of(), Leaks.now().grewSince(before), "leaked");
    }
}
