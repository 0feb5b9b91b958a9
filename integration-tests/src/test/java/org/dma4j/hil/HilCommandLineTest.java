package org.dma4j.hil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** tools/hil's own command line, on the host: what it refuses before building or booting anything. */
class HilCommandLineTest {
    private static String[] run(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "tools/hil";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "tools/hil did not return");
        return new String[] {String.valueOf(p.exitValue()), err};
    }

    @Test
    void shellWithoutATerminalIsRefusedAtOnce() throws Exception {
        long start = System.nanoTime();
        String[] r = run("--bind", "--shell");
        assertEquals("2", r[0], r[1]);
        assertEquals(
                "tools/hil: --shell needs a terminal on stdin (this one is not); use -- COMMAND to run something without one\n",
                r[1]);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "took too long: it must not boot first");
    }

    @Test
    void unknownOptionsAndNothingToRunAreUsageErrors() throws Exception {
        String[] r = run("--bogus");
        assertEquals("2", r[0], r[1]);
        assertEquals("tools/hil: unknown option '--bogus'; see tools/hil --help\n", r[1]);
        r = run("--bind");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].startsWith("tools/hil: nothing to run; give --shell or -- COMMAND"), r[1]);
    }
}
