package org.dma4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.dma4j.hil.Guest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The command line on QEMU's NVMe through real VFIO type1: options checked against the real controller. */
@Tag("type1")
class NvmeCliGuestTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
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
    void identifyWriteReadAndPerfOnTheRealController() {
        Guest.require("type1");
        String bdf = Guest.nvmeBdf();
        assertEquals(0, run("nvme", "identify", "--device", bdf, "--iommu", "type1", "--json"), err());
        assertTrue(
                out().contains("\"address\":\"" + bdf + "\",\"backend\":\"type1\",\"model\":\"QEMU NVMe Ctrl\""),
                out());
        assertEquals(0, run("nvme", "write", "--device", bdf, "--lba", "7", "--pattern", "0x3c"), err());
        assertEquals(0, run("nvme", "read", "--device", bdf, "--lba", "7", "--json"), err());
        assertTrue(out().contains("\"head\":\"" + "3c".repeat(256) + "\""), out());
        assertEquals(0, run("nvme", "perf", "--device", bdf, "--rw", "randrw", "--time", "0.5", "--qd", "4"), err());
        for (String op : List.of("read", "write", "total")) {
            assertTrue(
                    Pattern.compile("randmix70\\s+" + op + "\\s+4096\\s+4\\s+1\\s+\\d+")
                            .matcher(out())
                            .find(),
                    out());
        }
    }

    @Test
    void optionsAreCheckedAgainstWhatTheControllerOffers() {
        Guest.require("type1");
        String bdf = Guest.nvmeBdf();
        assertEquals(2, run("nvme", "perf", "--device", bdf, "--qd", "65535"));
        assertTrue(
                Pattern.compile(
                                "dma4j nvme perf: --qd must be 1\\.\\.\\d+ on this controller \\(queues of \\d+ entries, CAP.MQES\\), "
                                        + "not 65535")
                        .matcher(err())
                        .find(),
                err());
        assertEquals(2, run("nvme", "read", "--device", bdf, "--lba", "3000000000"));
        assertTrue(
                err().startsWith("dma4j nvme read: --lba 3000000000 --blocks 1 runs past the end of namespace 1 ("),
                err());
        assertEquals(2, run("nvme", "read", "--device", bdf, "--ns", "2"));
        assertTrue(
                err().startsWith("dma4j nvme read: --ns 2: " + bdf + " has no such namespace; its active ones are [1]"),
                err());
    }
}
