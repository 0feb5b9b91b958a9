package org.dma4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two {@code tools/test} runs started together on one machine share the guest kernel, initramfs
 * and UAPI header cache: {@code tools/tests/concurrent-cache-builds} starts each cache script
 * twice at once against a temp cache (with stand-ins for the expensive steps) and checks that
 * both succeed, print the same artefact, and build it once.
 */
class ConcurrentCacheBuildsTest {
    private static final long DEADLINE_S = 120;

    @Test
    void twoCallersAtOnceShareOneBuild() throws Exception {
        Path script = Path.of("tools", "tests", "concurrent-cache-builds");
        assertTrue(Files.isExecutable(script), script + " is missing or not executable");
        Path log = Files.createTempFile("dma4j-cache-test", ".log");
        try {
            Process p = new ProcessBuilder("bash", script.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
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
