package org.dma4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as its own process: what only a process shows (module path, logging level, signals, files across runs). */
class CliProcessTest {
    record Run(int exit, String out, String err) {}

    private static String where(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
    }

    /** The CLI's classes and its runtime libraries: the module path tools/dma4j uses. */
    private static String path() throws Exception {
        return String.join(
                File.pathSeparator,
                where(Main.class),
                where(picocli.CommandLine.class),
                where(org.HdrHistogram.Histogram.class),
                where(org.slf4j.LoggerFactory.class),
                where(Class.forName("org.slf4j.simple.SimpleLogger")));
    }

    /**
     * {@code java ... org.dma4j.cli.Main args}, on the module path as tools/dma4j runs it; with
     * SIGINT at its default, as a Ctrl-C finds a command in a terminal. This JVM may have inherited
     * SIGINT ignored (a shell without job control ignores it in {@code tools/test &}), and java
     * leaves an ignored SIGINT ignored, so perf would never see the Ctrl-C that
     * {@link #ctrlCPrintsTheResultsSoFar} sends; {@code env} execs java, so the pid is java's.
     */
    private static Process start(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                "env",
                "--default-signal=INT",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=org.dma4j",
                "-p",
                path(),
                "--add-modules",
                "info.picocli,HdrHistogram",
                "-m",
                "org.dma4j/org.dma4j.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).start();
    }

    private static Run run(String... args) throws Exception {
        Process p = start(args);
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "dma4j " + String.join(" ", args) + " did not finish");
        return new Run(p.exitValue(), out, err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void writeThenReadInTwoProcessesOnAnImageReturnsTheData(@TempDir Path dir) throws Exception {
        String device = "fake:image=" + dir.resolve("ns1.img");
        Run w = run("nvme", "write", "--device", device, "--lba", "100", "--blocks", "4", "--pattern", "0xc3");
        assertEquals(0, w.exit(), w.err());
        assertEquals("wrote 4 blocks of 0xc3 at LBA 100 of namespace 1\n", w.out());
        assertTrue(Files.size(dir.resolve("ns1.img")) == 64L << 20, "the image is 64 MiB");
        Run r = run("nvme", "read", "--device", device, "--lba", "103", "--json");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("\"head\":\"" + "c3".repeat(256) + "\""), r.out());
        Run z = run("nvme", "read", "--device", device, "--lba", "104");
        assertTrue(z.out().contains("  0000  00 00 00 00"), "the block after the write is still zeroes: " + z.out());
    }

    @Test
    void theInProcessFakeSaysItForgetsItsData() throws Exception {
        Run w = run("nvme", "write", "--lba", "5");
        assertEquals(0, w.exit(), w.err());
        assertEquals(
                "dma4j nvme write: note: the fake keeps data only while this process runs; --device fake:image=PATH keeps it "
                        + "in a file for the next run\n",
                w.err());
    }

    @Test
    void verboseLogsBringUpAtDebugLevelAndQuietDoesNot() throws Exception {
        Run v = run("nvme", "read", "--verbose");
        assertEquals(0, v.exit(), v.err());
        assertTrue(v.err().contains("DEBUG org.dma4j.nvme.NvmeController - 0000:00:04.0: CAP 0x"), v.err());
        assertTrue(v.err().contains("0000:00:04.0: ready: admin queues of 32 entries"), v.err());
        assertTrue(v.err().contains("0000:00:04.0: I/O queue 1 created: 2 entries, SQ at IOVA 0x"), v.err());
        assertTrue(
                v.err().contains("DEBUG org.dma4j.iommu.AbstractDmaSpace - fake: mapped 4096 bytes of RAM at IOVA 0x"),
                v.err());
        Run q = run("nvme", "read");
        assertEquals(0, q.exit(), q.err());
        assertFalse(q.err().contains("DEBUG"), q.err());
    }

    @Test
    void ctrlCPrintsTheResultsSoFar() throws Exception {
        Process p = start("nvme", "perf", "--time", "60", "--device", "fake-null", "--qd", "4");
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        String first = err.readLine(); // the first progress line: the run is under way
        assertTrue(first != null && first.contains("IOPS"), String.valueOf(first));
        long start = System.nanoTime();
        assertEquals(
                0,
                new ProcessBuilder("kill", "-INT", String.valueOf(p.pid()))
                        .start()
                        .waitFor());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "perf did not stop on SIGINT");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20));
        String results = out.get(5, TimeUnit.SECONDS);
        assertTrue(results.startsWith("  interrupted after "), results);
        assertTrue(results.matches("(?s).*randread\\s+read\\s+4096\\s+4\\s+1\\s+\\d+.*"), results);
        assertEquals(130, p.exitValue());
    }
}
