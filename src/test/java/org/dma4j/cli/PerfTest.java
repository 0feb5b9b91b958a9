package org.dma4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.dma4j.fake.DeviceContext;
import org.dma4j.fake.DeviceModel;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNamespace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.nvme.NvmeController;
import org.dma4j.nvme.NvmeException;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The perf engine on the fake: fail-fast workers, cancel, progress, histograms. */
class PerfTest {
    private static final int READ = 0x02;

    private final FakeNvme nvme =
            new FakeNvme(FakeNvme.Config.defaults().withNamespaces(FakeNamespace.nul(1 << 20, 512)));
    private final PciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:04.0"), FakeDmaSpace.open(), nvme);
    private final NvmeController ctrl = NvmeController.open(dev);
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @AfterEach
    void close() {
        ctrl.close();
        dev.close();
        dev.dmaSpace().close();
    }

    private Perf.Result run(Perf.Options o, boolean terminal, java.util.function.BooleanSupplier cancel)
            throws Exception {
        return Perf.run(
                ctrl, ctrl.namespace(1), o, new PrintStream(progress, true, StandardCharsets.UTF_8), terminal, cancel);
    }

    private String progress() {
        return progress.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aWorkersFailureStopsTheRunAtOnceWithTheError() {
        nvme.failNext(READ, false, 0, 0x81); // Generic Command Status: LBA Out of Range... any error will do
        long start = System.nanoTime();
        NvmeException e = assertThrows(
                NvmeException.class, () -> run(new Perf.Options(8, 4096, 100, true, 30, 2), false, () -> false));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms < 5000, "the run went on for " + ms + " ms after a worker failed (--time was 30 s)");
        assertTrue(e.getMessage().startsWith("Read failed on queue "), e.getMessage());
    }

    @Test
    void aCancelReturnsTheResultsSoFar() throws Exception {
        long start = System.nanoTime();
        Perf.Result r =
                run(new Perf.Options(8, 4096, 100, true, 30, 1), false, () -> System.nanoTime() - start > 300_000_000L);
        assertTrue(r.interrupted());
        assertTrue(r.seconds() < 5, "cancel took " + r.seconds() + " s");
        assertTrue(
                r.ios() > 0 && r.reads().getTotalCount() == r.ios(),
                "reads " + r.reads().getTotalCount());
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
        assertTrue(r.reads().getMinValue() > 0
                && r.reads().getMinValue() <= r.reads().getValueAtPercentile(50));
        Perf.Result w = run(new Perf.Options(8, 4096, 0, false, 0.2, 1), false, () -> false);
        assertEquals(0, w.reads().getTotalCount());
        assertTrue(w.writes().getTotalCount() > 0);
    }

    @Test
    void theWarmUpRunsButIsNotMeasured() throws Exception {
        long start = System.nanoTime();
        Perf.Options o = new Perf.Options(4, 4096, 100, true, 0.2, 1, 1.5, true);
        Perf.Result r = run(o, false, () -> false);
        double elapsed = (System.nanoTime() - start) / 1e9;
        assertTrue(elapsed >= 1.7, "the run took " + elapsed + " s of 1.5 s warm-up + 0.2 s");
        assertTrue(
                r.seconds() < elapsed - 1.4, "measured " + r.seconds() + " s of " + elapsed + ": the warm-up counted");
        assertTrue(r.ios() > 0 && r.ios() == r.completions(), r.ios() + " I/Os, " + r.completions() + " completions");
        String lines = progress();
        assertTrue(lines.matches("(?s)\\s+1\\.\\d s\\s+\\d+ IOPS\\s+[\\d.]+ MiB/s  \\(warm-up\\)\n"), lines);
        assertTrue(PerfReport.json(o, r, 1).contains("\"warmupSeconds\":1.500"), PerfReport.json(o, r, 1));
    }

    @Test
    void withoutLatencyOnlyRatesAreCounted() throws Exception {
        Perf.Options o = new Perf.Options(8, 4096, 70, true, 0.3, 1, 0, false);
        Perf.Result r = run(o, false, () -> false);
        assertTrue(r.readCount() > 0 && r.writeCount() > 0, r.readCount() + " reads, " + r.writeCount() + " writes");
        assertEquals(r.completions(), r.ios());
        assertEquals(0, r.reads().getTotalCount() + r.writes().getTotalCount(), "no command was timed");
        String table = PerfReport.table(o, r, 1);
        String total =
                table.lines().filter(l -> l.contains(" total ")).findFirst().orElseThrow();
        assertTrue(total.matches("\\s+randmix70\\s+total\\s+4096\\s+8\\s+1\\s+[1-9]\\d*\\s+[\\d.]+(\\s+-){6}"), table);
        String json = PerfReport.json(o, r, 1);
        assertTrue(json.contains("\"latency\":false") && json.contains("\"latencyUs\":null"), json);
        assertTrue(json.contains("\"total\":{\"ios\":" + r.ios() + ","), json);
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

    /** The fake NVMe, with a submission doorbell of I/O queue 1 that takes {@code nanos} before the command runs. */
    private static final class SlowDoorbell implements DeviceModel {
        private final FakeNvme inner;
        private final long nanos;

        SlowDoorbell(FakeNvme inner, long nanos) {
            this.inner = inner;
            this.nanos = nanos;
        }

        @Override
        public long barSize(int index) {
            return inner.barSize(index);
        }

        @Override
        public long read(int bar, long offset, int width) {
            return inner.read(bar, offset, width);
        }

        @Override
        public void write(int bar, long offset, int width, long value) {
            if (bar == 0 && offset == 0x1008) { // SQ 1 tail doorbell (CAP.DSTRD 0)
                long until = System.nanoTime() + nanos;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            }
            inner.write(bar, offset, width, value);
        }

        @Override
        public void attach(DeviceContext context) {
            inner.attach(context);
        }

        @Override
        public void reset() {
            inner.reset();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void theLatencyClockStartsBeforeTheSubmission() throws Exception {
        // The synchronous fake runs a command inside its doorbell write: here that write takes 50 us,
        // so every latency is at least 50 us. A clock started after submitting would see only the poll.
        FakeNvme slow = new FakeNvme(FakeNvme.Config.defaults().withNamespaces(FakeNamespace.nul(1 << 20, 512)));
        try (FakeDmaSpace space = FakeDmaSpace.open();
                FakePciDevice d = new FakePciDevice(
                        PciAddress.parse("0000:00:05.0"),
                        space,
                        new SlowDoorbell(slow, 50_000),
                        FakeNvme.VENDOR,
                        FakeNvme.DEVICE,
                        FakeNvme.CLASS,
                        FakeNvme.MSIX_VECTORS);
                NvmeController c = NvmeController.open(d)) {
            Perf.Result r =
                    Perf.run(c, c.namespace(1), new Perf.Options(1, 4096, 100, true, 0.3, 1), null, false, () -> false);
            long n = r.reads().getTotalCount();
            assertTrue(n > 10, n + " reads");
            assertTrue(
                    r.reads().getMinValue() >= 50_000,
                    "min latency " + r.reads().getMinValue() + " ns");
            assertTrue(
                    r.reads().getValueAtPercentile(50) >= 50_000,
                    "p50 " + r.reads().getValueAtPercentile(50) + " ns");
            assertEquals(r.completions(), n);
            String table = PerfReport.table(new Perf.Options(1, 4096, 100, true, 0.3, 1), r, 1);
            assertFalse(table.contains(" 0.0 "), table);
        }
    }

    @Test
    void everyCompletionIsInTheHistogramsOverTheWholeRunOnEveryQueue() throws Exception {
        Perf.Result r = run(new Perf.Options(16, 4096, 70, true, 0.5, 2), false, () -> false);
        long total = r.reads().getTotalCount() + r.writes().getTotalCount();
        assertTrue(total > 0);
        assertEquals(r.completions(), total, "completions the workers counted vs the histograms' count");
        assertEquals(r.ios(), total);
        String json = PerfReport.json(new Perf.Options(16, 4096, 70, true, 0.5, 2), r, 2);
        assertTrue(json.contains("\"total\":{\"ios\":" + total + ","), json);
    }
}
