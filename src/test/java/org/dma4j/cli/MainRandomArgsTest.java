package org.dma4j.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A property test of the whole command line, with seeded random generators (each failure names
 * its seed and argument list): random argument lists never reach a stack trace, always exit 0,
 * 1 or 2, never exit 0 when they hold a token no command takes, and each finishes within 30 s.
 * Fake devices only: the vocabulary has no bind/unbind, no --output/--data, no PCI address but a
 * nonexistent one, and no fake-null (whose 4 TiB a valid read could take hours to cross).
 */
class MainRandomArgsTest {
    private static final int LISTS_PER_SEED = 120;
    /** Tokens no command takes anywhere: a list holding one must fail. */
    private static final Set<String> GARBAGE = Set.of("--frobnicate", "-x", "--qd=zz");

    private static final List<List<String>> PREFIXES = List.of(
            List.of(),
            List.of("nvme"),
            List.of("nvme", "identify"),
            List.of("nvme", "read"),
            List.of("nvme", "write"),
            List.of("nvme", "perf"),
            List.of("nvme", "smart"),
            List.of("doctor"),
            List.of("list"),
            List.of("completion"),
            List.of("help"),
            List.of("nvme", "bogus"));
    private static final List<String> KNOWN = List.of(
            "--device",
            "--iommu",
            "--json",
            "--ns",
            "--lba",
            "--blocks",
            "--pattern",
            "--qd",
            "--bs",
            "--rw",
            "--mix",
            "--time",
            "--warmup",
            "--no-latency",
            "--queues",
            "--verbose",
            "-v",
            "--help",
            "-h",
            "-V",
            "--version",
            "--frobnicate",
            "-x",
            "--qd=zz",
            "--lba=0x10",
            "--time=0.05",
            "0",
            "1",
            "-1",
            "-5",
            "010",
            "08",
            "0x",
            "0x1FF",
            "0xffffffffffffffff",
            "99999999999999999999",
            "4k",
            "1m",
            "1g",
            "4x",
            "NaN",
            "Infinity",
            "1e9",
            "0.05",
            "-0",
            "",
            " ",
            "32",
            "1023",
            "1024",
            "2147483647",
            "3000000000",
            "fake",
            "fake:image=",
            "fake:size=1",
            "0000:7f:1f.7",
            "nvme0",
            "randrw",
            "rw",
            "randread",
            "write",
            "sideways",
            "type1",
            "iommufd",
            "bogus",
            "\u0000",
            "é",
            "identify",
            "perf",
            "help",
            "--",
            "-");
    private static final String NOISE = "abcxyz0123456789-=:.,+_/ \t\u00e9\u0000\"'$";

    @TempDir
    Path dir;

    private static List<String> randomArgs(SplittableRandom r, Path image) {
        List<String> args = new ArrayList<>(PREFIXES.get(r.nextInt(PREFIXES.size())));
        int n = r.nextInt(8);
        for (int i = 0; i < n; i++) {
            int pick = r.nextInt(10);
            if (pick < 7) {
                args.add(KNOWN.get(r.nextInt(KNOWN.size())));
            } else if (pick < 8) {
                args.add("fake:image=" + image);
            } else {
                StringBuilder sb = new StringBuilder();
                for (int j = r.nextInt(7); j > 0; j--) {
                    sb.append(NOISE.charAt(r.nextInt(NOISE.length())));
                }
                args.add(sb.toString());
            }
        }
        if (args.contains("perf")) {
            args.addAll(List.of("--time", "0.05")); // a valid perf stays short; a second --time is an error
        }
        return args;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 20261130, 0x5eed})
    void randomArgumentListsNeverReachAStackTraceNorPassGarbage(long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        Path image = dir.resolve("ns.img");
        for (int i = 0; i < LISTS_PER_SEED; i++) {
            check(seed, randomArgs(r, image));
        }
        Files.deleteIfExists(image);
    }

    /** The generator's own check: a garbage token is refused wherever it goes. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {7, 8})
    void garbageAnywhereIsRefused(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 40; i++) {
            List<String> args = randomArgs(r, dir.resolve("ns.img"));
            args.add(r.nextInt(args.size() + 1), List.copyOf(GARBAGE).get(r.nextInt(GARBAGE.size())));
            check(seed, args);
        }
    }

    private static void check(long seed, List<String> args) {
        String what = "seed " + seed + ", dma4j " + args;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int exit = assertTimeoutPreemptively(
                Duration.ofSeconds(30),
                () -> Main.run(
                        args,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8)),
                what);
        String o = out.toString(StandardCharsets.UTF_8), e = err.toString(StandardCharsets.UTF_8);
        assertFalse(
                (o + e).contains("\tat ") || (o + e).contains("Exception in thread") || e.contains("internal error"),
                what + " printed a stack trace or an internal error:\n" + o + e);
        assertTrue(exit == 0 || exit == 1 || exit == 2, what + " exited " + exit + "\n" + e);
        if (args.stream().anyMatch(GARBAGE::contains)) {
            assertNotEquals(0, exit, what + " holds garbage but exited 0\n" + o);
        }
        if (exit == 2) {
            String first = e.lines().findFirst().orElse("");
            assertTrue(first.startsWith("dma4j") || first.startsWith("Usage: dma4j"), what + ": " + e);
        }
        if (exit != 0) {
            assertFalse(e.isBlank(), what + " failed without a word");
        }
    }
}
