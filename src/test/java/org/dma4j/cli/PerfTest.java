package org.dma4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNamespace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.nvme.NvmeController;
import org.dma4j.nvme.NvmeException;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The perf engine on the fake: fail-fast workers, cancel, progress, histograms. */
class PerfTest {
    private static final int READ = 0x02;

    private final FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults().withNamespaces(FakeNamespace.nul(1 << 20, 512)));
    private final PciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:04.0"), FakeDmaSpace.open(), nvme);
    private final NvmeController ctrl = NvmeController.open(dev);
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @AfterEach
    void close() {
        ctrl.close();
        dev.close();
        dev.dmaSpace().close();
    }

    private Perf.Result run(Perf.Options o, boolean terminal, java.util.function.BooleanSupplier cancel) throws Exception {
        return Perf.run(ctrl, ctrl.namespace(1), o, new PrintStream(progress, true, StandardCharsets.UTF_8), terminal, cancel);
    }

    private String progress() {
        return progress.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aWorkersFailureStopsTheRunAtOnceWithTheError() {
        nvme.failNext(READ, false, 0, 0x81); // Generic Command Status: LBA Out of Range... any error will do
        long start = System.nanoTime();
        NvmeException e = assertThrows(NvmeException.class, () -> run(new Perf.Options(8, 4096, 100, true, 30, 2), false, () -> false));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms < 5000, "the run went on for " + ms + " ms after a worker failed (--time was 30 s)");
        assertTrue(e.getMessage().startsWith("Read (CID "), e.getMessage());
    }

    @Test
    void aCancelReturnsTheResultsSoFar() throws Exception {
        long start = System.nanoTime();
        Perf.Result r = run(new Perf.Options(8, 4096, 100, true, 30, 1), false, () -> System.nanoTime() - start > 300_000_000L);
        assertTrue(r.interrupted());
        assertTrue(r.seconds() < 5, "cancel took " + r.seconds() + " s");
        assertTrue(r.ios() > 0 && r.reads().getTotalCount() == r.ios(), "reads " + r.reads().getTotalCount());
        String table = PerfReport.table(new Perf.Options(8, 4096, 100, true, 30, 1), r, 1);
        assertTrue(table.startsWith("  interrupted after "), table);
    }

    @Test
    void aMixSplitsReadsFromWritesInTheHistograms() throws Exception {
        Perf.Options o = new Perf.Options(8, 4096, 70, true, 0.3, 1);
        Perf.Result r = run(o, false, () -> false);
        long reads = r.reads().getTotalCount(), writes = r.writes().getTotalCount();
        assertTrue(reads > 0 && writes > 0, reads + " reads, " + writes + " writes");
        double share = reads / (double) (reads + writes);
        assertTrue(share > 0.55 && share < 0.85, "reads are " + share + " of a 70 % mix");
        assertTrue(r.reads().getMinValue() > 0 && r.reads().getMinValue() <= r.reads().getValueAtPercentile(50));
        Perf.Result w = run(new Perf.Options(8, 4096, 0, false, 0.2, 1), false, () -> false);
        assertEquals(0, w.reads().getTotalCount());
        assertTrue(w.writes().getTotalCount() > 0);
    }

    @Test
    void progressIsTheLastIntervalsRateWithCarriageReturnsOnlyOnATerminal() throws Exception {
        run(new Perf.Options(4, 4096, 100, true, 1.2, 1), false, () -> false);
        String lines = progress();
        assertFalse(lines.contains("\r"), lines);
        assertTrue(lines.matches("(?s)\\s+1\\.\\d s\\s+\\d+ IOPS\\s+[\\d.]+ MiB/s\n"), lines);
        progress.reset();
        run(new Perf.Options(4, 4096, 100, true, 1.2, 1), true, () -> false);
        String tty = progress();
        assertTrue(tty.matches("(?s)\r\\s+1\\.\\d s\\s+\\d+ IOPS\\s+[\\d.]+ MiB/s\n"), tty);
    }
}
