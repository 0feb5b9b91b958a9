package org.dma4j.hil;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The host side of the hardware-in-the-loop rig: boots the QEMU guest once per variant with
 * {@code tools/hil}, runs that variant's tagged suite inside it ({@code junit-in-guest}), reads
 * the JUnit XML report back and fails with the guest's output when anything failed. Adding a
 * guest test is adding a class tagged {@code type1}, {@code iommufd}, {@code noiommu} or
 * {@code nvmesetups} (the IOMMU guest with an unusual NVMe: 4 KiB blocks, small MDTS, two
 * namespaces, two I/O queue pairs) or {@code nvmemeta} (namespaces with metadata and
 * protection information) or {@code p2p} (the IOMMU guest with an ivshmem device too, for
 * peer-to-peer DMA and several devices in one space; what the guest left in ivshmem's backing
 * file is checked here, on the host, after it has gone).
 *
 * <p>Tagged {@value #TAG}, which surefire excludes: only failsafe runs it, so no {@code -Dtest}
 * pattern boots QEMU by accident ({@code -Dit.test=GuestSuiteIT} runs it on purpose).
 */
@Tag(GuestSuiteIT.TAG)
class GuestSuiteIT {
    static final String TAG = "guest-rig";

    private static final long RUN_TIMEOUT_S = 1200;
    /** The nvmemeta guest's NVMe: MDTS 16 KiB, 16 MiB namespaces, metadata as QEMU's nvme-ns takes it. */
    static final List<String> NVMEMETA = List.of(
            "--nvme",
            "mdts=2,size=16",
            "--nvme-ns",
            "ms=8,mset=1",
            "--nvme-ns",
            "ms=8,mset=0",
            "--nvme-ns",
            "ms=8,pi=1",
            "--nvme-ns",
            "ms=8,mset=1,pi=1",
            "--nvme-ns",
            "lbads=12,ms=64,mset=1",
            "--nvme-ns",
            "ms=16,pi=1,pil=1",
            "--nvme-ns",
            "ms=16,mset=1,pi=3");

    /**
     * The edu devices of each variant (org.dma4j.edu's guest tests): the first for the driver
     * contract (edu's default 28-bit mask; 32 bits without an IOMMU, where DMA memory is
     * wherever the hugepages are), the second with a small mask for the DMA-limit test.
     */
    static final java.util.Map<String, List<String>> EDU = java.util.Map.of(
            "type1", List.of("--edu", "", "--edu", "dma_mask=0x3ffffff"),
            "iommufd", List.of("--edu", ""),
            "noiommu", List.of("--edu", "dma_mask=0xffffffff", "--edu", "dma_mask=0x3fffffff"),
            "p2p", List.of("--edu", "")); // edu's default mask: Type1EduP2pTest

    @ParameterizedTest(name = "guest suite: {0}")
    @ValueSource(strings = {"type1", "iommufd", "noiommu", "nvmesetups", "nvmemeta", "p2p"})
    void runInGuest(String variant) throws Exception {
        Path results = Path.of("target", "hil", variant).toAbsolutePath();
        Files.createDirectories(results);
        deleteReports(results.resolve("reports"));
        List<String> cmd = new ArrayList<>(List.of(
                "tools/hil",
                "--quiet",
                "--bind",
                "--results",
                results.toString(),
                "--timeout",
                String.valueOf(RUN_TIMEOUT_S)));
        if (variant.equals("noiommu")) {
            cmd.add("--no-iommu");
        }
        cmd.addAll(EDU.getOrDefault(variant, List.of()));
        if (variant.equals("nvmesetups")) { // 4 KiB blocks, an 8 KiB MDTS, two namespaces, two I/O queue pairs
            cmd.addAll(List.of("--nvme", "lbads=12,mdts=1,max_ioqpairs=2,namespaces=2"));
        }
        if (variant.equals("nvmemeta")) { // a plain namespace, then seven with metadata (MetadataNvmeTest)
            cmd.addAll(NVMEMETA);
        }
        if (variant.equals("p2p")) { // 1 MiB of ivshmem in results/ivshmem.bin, bound to vfio-pci too
            cmd.addAll(List.of("--ivshmem", "1"));
            Files.deleteIfExists(results.resolve(P2P_EXPECTED));
        }
        cmd.addAll(List.of("--", "integration-tests/guest/junit-in-guest", variant));

        long start = System.nanoTime();
        Path hostLog = results.resolve("host.log");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(hostLog.toFile())
                .start();
        if (!p.waitFor(RUN_TIMEOUT_S + 300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("tools/hil did not return for the " + variant + " guest\n" + tail(hostLog));
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

        Path report = results.resolve("reports").resolve("TEST-junit-jupiter.xml");
        if (!Files.exists(report)) {
            fail("the " + variant + " guest wrote no JUnit report (tools/hil exit " + p.exitValue() + ")\n"
                    + tail(hostLog) + "\n--- guest console ---\n" + tail(results.resolve("console.log")));
        }
        Summary s = Summary.read(report);
        System.out.printf(
                "guest suite %-8s %d tests, %d failures, %d errors, %d skipped (%d s: boot, run, shutdown)%n",
                variant + ":", s.tests, s.failures, s.errors, s.skipped, seconds);
        for (String skip : s.skips) {
            System.out.println("  skipped: " + skip);
        }
        if (s.failures + s.errors > 0 || p.exitValue() != 0) {
            fail("the " + variant + " guest suite failed (tools/hil exit " + p.exitValue() + "):\n  "
                    + String.join("\n  ", s.problems) + "\n--- guest console ---\n"
                    + tail(results.resolve("console.log")));
        }
        assertTrue(s.tests > 0, "the " + variant + " guest ran no test");
        if (variant.equals("p2p")) {
            assertP2pBytesInHostFile(results);
        }
    }

    /** What the p2p tests leave (Guest.expectInIvshmemFile): one line per test, "name offset length sha256". */
    static final String P2P_EXPECTED = Guest.P2P_EXPECTED;

    /**
     * The peer-to-peer bytes, checked where the guest cannot fake them: in the file QEMU's
     * memory-backend-file mapped as ivshmem's BAR2, read on the host after the guest has gone.
     */
    static void assertP2pBytesInHostFile(Path results) throws Exception {
        Path expected = results.resolve(P2P_EXPECTED);
        assertTrue(Files.exists(expected), "the p2p guest left no " + expected);
        List<String> lines = Files.readAllLines(expected);
        for (String test : List.of(
                "nvmeReadsBlocksIntoThePeersBar", "nvmeWritesBlocksFromThePeersBar", "eduCopiesFromRamIntoTheBar")) {
            assertTrue(
                    lines.stream().anyMatch(l -> l.startsWith(test + " ")),
                    "no " + test + " in " + expected + ": " + lines);
        }
        byte[] file = Files.readAllBytes(results.resolve("ivshmem.bin"));
        for (String line : lines) {
            String[] f = line.split(" ");
            int offset = Integer.parseInt(f[1]);
            int length = Integer.parseInt(f[2]);
            byte[] region = java.util.Arrays.copyOfRange(file, offset, offset + length);
            String sha = java.util.HexFormat.of()
                    .formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(region));
            org.junit.jupiter.api.Assertions.assertEquals(
                    f[3], sha, f[0] + ": the bytes at " + offset + " of ivshmem.bin on the host");
        }
        System.out.println("  p2p: " + lines.size() + " regions of ivshmem.bin checked on the host");
    }

    private static void deleteReports(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 120), lines.size()));
        } catch (IOException e) {
            return "(no " + file + ")";
        }
    }

    /** The counts of a JUnit XML report, and what failed or skipped, one line each. */
    record Summary(int tests, int failures, int errors, int skipped, List<String> problems, List<String> skips) {
        static Summary read(Path xml) throws Exception {
            Document d =
                    DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
            Element suite = d.getDocumentElement();
            List<String> problems = new ArrayList<>();
            List<String> skips = new ArrayList<>();
            NodeList cases = suite.getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element c = (Element) cases.item(i);
                String name = c.getAttribute("classname") + "." + c.getAttribute("name");
                for (String kind : new String[] {"failure", "error"}) {
                    NodeList f = c.getElementsByTagName(kind);
                    if (f.getLength() > 0) {
                        problems.add(name + ": " + ((Element) f.item(0)).getAttribute("message") + "\n"
                                + f.item(0).getTextContent().lines().limit(25).reduce("", (a, b) -> a + "\n    " + b));
                    }
                }
                NodeList sk = c.getElementsByTagName("skipped");
                if (sk.getLength() > 0) {
                    skips.add(name + ": " + ((Element) sk.item(0)).getAttribute("message")
                            + sk.item(0).getTextContent().trim());
                }
            }
            return new Summary(
                    Integer.parseInt(suite.getAttribute("tests")),
                    Integer.parseInt(suite.getAttribute("failures")),
                    Integer.parseInt(suite.getAttribute("errors")),
                    Integer.parseInt(suite.getAttribute("skipped")),
                    problems,
                    skips);
        }
    }
}
