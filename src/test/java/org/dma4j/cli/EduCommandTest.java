package org.dma4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code dma4j edu selftest} on the fake edu: one line per check, the exit status, and bad input. */
class EduCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(
                List.of(args),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void selftestOnTheFakePassesEveryCheckOneLineEach() {
        assertEquals(0, run("edu", "selftest"), out() + err());
        List<String> lines = out().lines().toList();
        assertEquals(7, lines.size(), out());
        assertTrue(
                lines.get(0).matches("identify +ok +edu 1\\.0 at fake \\(fake, 28-bit DMA mask 0xfffffff\\)"),
                lines.get(0));
        assertTrue(lines.get(1).matches("liveness +ok +4 values read back inverted"), lines.get(1));
        assertTrue(lines.get(2).matches("factorial +ok +0! to 13! \\(32-bit\\) correct"), lines.get(2));
        assertTrue(
                lines.get(3)
                        .matches("dma +ok +4095 bytes to the device and back at IOVA 0x[0-9a-f]+ and IOVA 0x[0-9a-f]+,"
                                + " CRC-32 0x[0-9a-f]{8} both ways"),
                lines.get(3));
        assertTrue(
                lines.get(4)
                        .matches("interrupt MSI +ok +raised, factorial and DMA completions delivered and acknowledged"),
                lines.get(4));
        assertTrue(lines.get(5).startsWith("interrupt INTX"), lines.get(5));
        assertEquals("selftest: all checks passed", lines.get(6));
        assertEquals("", err());
    }

    @Test
    void aFailedCheckIsSaidAndExitsOne() {
        // A 20-bit mask leaves no IOVA: dma4j keeps the first 1 MiB unmapped.
        assertEquals(1, run("edu", "selftest", "--dma-mask", "0xfffff"), out() + err());
        assertTrue(out().contains("identify       ok"), out());
        assertTrue(
                out().lines()
                        .anyMatch(l -> l.matches("dma +FAILED +no free IOVA range of 4096 bytes .* under the 20-bit DMA"
                                + " mask 0xfffff .*")),
                out());
        assertTrue(out().endsWith("FAILED\n"), out());
    }

    @Test
    void badInputIsAUsageErrorBeforeAnythingOpens() {
        assertEquals(2, run("edu"));
        assertEquals("dma4j edu: which edu command? selftest (see `dma4j edu --help`)\n", err());
        err.reset();
        assertEquals(2, run("edu", "selftest", "--iommu", "type1"));
        assertTrue(err().startsWith("dma4j edu selftest: --iommu applies to a PCI device; the fake"), err());
        err.reset();
        assertEquals(2, run("edu", "selftest", "--dma-mask", "0x3000"));
        assertTrue(err().startsWith("dma4j edu selftest: --dma-mask: DMA mask 0x3000 is not 2^n - 1"), err());
        err.reset();
        assertEquals(2, run("edu", "selftest", "--device", "nvme0"));
        assertTrue(err().contains("'nvme0' is not fake or a PCI address"), err());
        err.reset();
        assertEquals(2, run("edu", "selftest", "--timeout", "0"));
        assertEquals("", out());
    }
}
