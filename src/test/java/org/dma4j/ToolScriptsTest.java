package org.dma4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The repo's scripts, checked by the bash tests in {@code tools/tests} (hermetic: copies of the
 * scripts in a temp dir, stand-ins for Maven, apt and the kernel build; no real build, no guest).
 */
class ToolScriptsTest {
    private static final long DEADLINE_S = 120;

    /**
     * Two tools/test runs started together share the guest kernel, initramfs and UAPI header
     * cache: each cache script started twice at once succeeds both times and builds once.
     */
    @Test
    void twoCallersOfTheCacheScriptsShareOneBuild() throws Exception {
        run("concurrent-cache-builds");
    }

    /** {@code tools/test -Dtest=...} runs only those host tests: no guest rig, no guest boots. */
    @Test
    void toolsTestWithDtestRunsNoGuest() throws Exception {
        run("test-arguments");
    }

    /** {@code tools/bench/run --smoke} builds and runs the C twins; the report generator marks ratios and targets. */
    @Test
    void benchSmokeBuildsTheCTwinsAndTheReportMarksTargets() throws Exception {
        run("bench-smoke");
    }

    private static void run(String name) throws Exception {
        Path script = Path.of("tools", "tests", name);
        assertTrue(Files.isExecutable(script), script + " is missing or not executable");
        Path log = Files.createTempFile("dma4j-" + name, ".log");
        try {
            Process p = new ProcessBuilder("bash", script.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            boolean finished = p.waitFor(DEADLINE_S, TimeUnit.SECONDS);
            if (!finished) {
                p.destroyForcibly().waitFor();
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(finished, script + " did not finish within " + DEADLINE_S + " s:\n" + out);
            assertEquals(0, p.exitValue(), script + " failed:\n" + out);
            assertTrue(out.contains("all checks passed"), out);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
