package org.dma4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.dma4j.doctor.Check;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
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
    void doctorPrintsEveryCheck() {
        assertEquals(0, run("doctor"));
        for (String name : List.of(
                "kernel", "iommu", "vfio-type1", "vfio-pci", "iommufd", "no-iommu", "memlock", "pagemap", "devices")) {
            assertTrue(
                    Pattern.compile("\\[(OK|WARN|MISSING)\\]\\s+" + name + "\\s")
                            .matcher(out())
                            .find(),
                    name + " in\n" + out());
        }
        assertTrue(out().contains("checks OK"));
    }

    @Test
    void doctorJsonHasOneObjectPerCheck() {
        assertEquals(0, run("doctor", "--json"));
        String json = out().trim();
        assertTrue(json.startsWith("{\"checks\":[{") && json.endsWith("}]}"), json);
        long objects = Pattern.compile("\\{\"name\":").matcher(json).results().count();
        assertTrue(objects >= 10, json);
        assertTrue(json.contains("\"name\":\"pagemap\",\"status\":\""), json);
    }

    @Test
    void badInputGetsAOneLineUsageError() {
        assertEquals(2, run());
        assertTrue(err().contains("Usage: dma4j"), err());
        err.reset();
        assertEquals(2, run("frobnicate"));
        assertEquals(
                "dma4j: unknown command 'frobnicate'; the commands are doctor, list, bind, unbind, nvme, edu, completion, help"
                        + " (see `dma4j --help`)\n",
                err());
        err.reset();
        assertEquals(2, run("doctor", "--yaml"));
        assertEquals("dma4j doctor: Unknown option: '--yaml' (see `dma4j doctor --help`)\n", err());
    }

    @Test
    void everyCommandHasHelpThatExitsZero() {
        for (List<String> c : List.of(
                List.<String>of(),
                List.of("doctor"),
                List.of("list"),
                List.of("bind"),
                List.of("unbind"),
                List.of("completion"),
                List.of("nvme"),
                List.of("nvme", "identify"),
                List.of("nvme", "read"),
                List.of("nvme", "write"),
                List.of("nvme", "perf"),
                List.of("nvme", "smart"),
                List.of("nvme", "demo"))) {
            out.reset();
            List<String> args = new ArrayList<>(c);
            args.add("--help");
            assertEquals(0, run(args.toArray(String[]::new)), args + ": " + err());
            assertTrue(out().startsWith("Usage: dma4j" + (c.isEmpty() ? "" : " " + String.join(" ", c))), out());
        }
        out.reset();
        assertEquals(0, run("help", "nvme"));
        assertTrue(out().startsWith("Usage: dma4j nvme"), out());
    }

    @Test
    void completionIsABashScriptOfTheSameCommands() throws Exception {
        assertEquals(0, run("completion"));
        String script = out();
        assertTrue(script.startsWith("#!/usr/bin/env bash"), script);
        assertTrue(script.contains("complete -F"), script);
        for (String word : List.of("identify", "perf", "--qd", "--device", "--rw", "randread")) {
            assertTrue(script.contains(word), word);
        }
        Process p = new ProcessBuilder("bash", "-n").start(); // it parses
        p.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertEquals(0, p.waitFor(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void listShowsThisMachinesDevicesAsTextAndJson() throws Exception {
        long n = Files.isDirectory(Path.of("/sys/bus/pci/devices"))
                ? Files.list(Path.of("/sys/bus/pci/devices")).count()
                : 0;
        assertEquals(0, run("list"));
        assertTrue(n == 0 ? out().startsWith("no PCI devices") : out().contains(n + " devices; "), out());
        out.reset();
        assertEquals(0, run("list", "--json"));
        assertEquals(
                n, Pattern.compile("\\{\"address\":").matcher(out()).results().count(), out());
    }

    @Test
    void listFormatsDevices() {
        var info = new org.dma4j.pci.PciDeviceInfo(
                org.dma4j.pci.PciAddress.parse("0000:00:03.0"),
                0x1b36,
                0x10,
                0x010802,
                java.util.Optional.of("vfio-pci"),
                java.util.OptionalInt.of(4));
        String text = DeviceCommands.toText(List.of(info));
        assertTrue(text.contains("* 0000:00:03.0  1b36:0010  NVMe controller       vfio-pci    4"), text);
        assertTrue(text.contains("1 devices; 1 usable with VFIO now (*)"), text);
        assertEquals(
                "{\"devices\":[{\"address\":\"0000:00:03.0\",\"vendor\":\"1b36\",\"device\":\"0010\",\"class\":\"010802\","
                        + "\"className\":\"NVMe controller\",\"driver\":\"vfio-pci\",\"iommuGroup\":4,\"vfio\":true}]}\n",
                DeviceCommands.toJson(List.of(info)));
    }

    @Test
    void bindNeedsAnAddress() {
        assertEquals(2, run("bind"));
        assertEquals("dma4j bind: Missing required parameter: 'BDF' (see `dma4j bind --help`)\n", err());
        err.reset();
        assertEquals(2, run("bind", "nonsense"));
        assertTrue(err().contains("'nonsense' is not a PCI address; write it as 0000:01:00.0"), err());
        err.reset();
        assertEquals(1, run("unbind", "0000:7f:1f.7"));
        assertTrue(err().startsWith("dma4j unbind: no PCI device 0000:7f:1f.7"), err());
        err.reset();
        assertEquals(1, run("unbind", "--force", "0000:7f:1f.7"), "--force is an option, not the address");
        assertTrue(err().startsWith("dma4j unbind: no PCI device 0000:7f:1f.7"), err());
        err.reset();
        assertEquals(2, run("unbind", "--forse", "0000:7f:1f.7"));
        assertEquals("dma4j unbind: Unknown option: '--forse' (see `dma4j unbind --help`)\n", err());
    }

    @Test
    void nvmeDemoOnTheFakeIdentifiesVerifiesAndMeasures() {
        assertEquals(0, run("nvme", "demo"), err());
        String o = out();
        assertTrue(o.contains("model      dma4j fake NVMe"), o);
        assertTrue(o.contains("namespace 1: 131072 blocks of 512 B"), o);
        assertTrue(o.contains("read it back: identical"), o);
        assertTrue(
                Pattern.compile("randread\\s+read\\s+4096\\s+32\\s+1\\s+\\d+")
                        .matcher(o)
                        .find(),
                o);
    }

    @Test
    void nvmeWriteReadPerfAndSmartOnTheFake() {
        assertEquals(0, run("nvme", "read", "--lba", "3", "--blocks", "1"), err());
        assertTrue(out().contains("read 1 blocks at LBA 3 of namespace 1:") && out().contains("  0000  00 00"), out());
        assertEquals(0, run("nvme", "write", "--lba", "3", "--blocks", "2", "--pattern", "0x5a"), err());
        assertTrue(out().contains("wrote 2 blocks of 0x5a at LBA 3"), out());
        assertEquals(
                0,
                run(
                        "nvme",
                        "perf",
                        "--rw",
                        "randrw",
                        "--mix",
                        "50",
                        "--time",
                        "0.3",
                        "--qd",
                        "8",
                        "--queues",
                        "2",
                        "--device",
                        "fake-null"),
                err());
        for (String op : List.of("read", "write", "total")) {
            assertTrue(
                    Pattern.compile("randmix50\\s+" + op + "\\s+4096\\s+8\\s+2\\s+\\d+")
                            .matcher(out())
                            .find(),
                    out());
        }
        assertEquals(0, run("nvme", "smart"), err());
        assertTrue(out().contains("temperature        300 K (27 C)"), out());
    }

    @Test
    void identifyShowsTheFormatInUseWithItsMetadataSize() {
        assertEquals(0, run("nvme", "identify"), err());
        assertTrue(
                out().contains(
                                "namespace 1: 131072 blocks of 512 B = 64.0 MiB, format 512 (formats offered [512, 512+8, 512+16, 512+64, 4096,"
                                        + " 4096+8, 4096+16, 4096+64])"),
                out());
    }

    @Test
    void jsonOutputsHaveTheReadmesFieldNames() {
        assertEquals(0, run("nvme", "identify", "--json"), err());
        assertTrue(
                out().startsWith(
                                "{\"device\":\"fake\",\"address\":\"0000:00:04.0\",\"backend\":\"fake\",\"model\":\"dma4j fake NVMe\""),
                out());
        assertTrue(
                out().contains(
                                "\"namespaces\":[{\"nsid\":1,\"blocks\":131072,\"capacity\":131072,\"blockSize\":512,"
                                        + "\"dataSize\":512,\"metadataSize\":0,\"extendedLba\":false,\"protectionType\":0,\"supported\":true,\"bytes\":67108864,"
                                        + "\"formats\":[\"512\",\"512+8\",\"512+16\",\"512+64\",\"4096\",\"4096+8\",\"4096+16\",\"4096+64\"]}]}"),
                out());
        out.reset();
        assertEquals(0, run("nvme", "smart", "--json"), err());
        assertTrue(
                out().startsWith("{\"criticalWarning\":0,\"temperatureKelvin\":300,\"availableSparePercent\":100,"),
                out());
        out.reset();
        assertEquals(0, run("nvme", "write", "--json", "--lba", "7", "--pattern", "0x3c"), err());
        assertEquals(
                "{\"device\":\"fake\",\"nsid\":1,\"lba\":7,\"blocks\":1,\"bytes\":512,\"data\":null,\"pattern\":60}\n",
                out());
        out.reset();
        assertEquals(0, run("nvme", "read", "--json", "--lba", "7"), err());
        assertTrue(
                out().startsWith(
                                "{\"device\":\"fake\",\"nsid\":1,\"lba\":7,\"blocks\":1,\"bytes\":512,\"output\":null,\"head\":\"0000"),
                out());
        out.reset();
        assertEquals(
                0, run("nvme", "perf", "--json", "--rw", "randwrite", "--time", "0.2", "--device", "fake-null"), err());
        String j = out();
        assertTrue(
                j.startsWith(
                        "{\"workload\":\"randwrite\",\"blockSize\":4096,\"queueDepth\":32,\"queues\":1,\"readPercent\":0,"
                                + "\"seconds\":"),
                j);
        assertTrue(
                j.contains(
                        ",\"interrupted\":false,\"read\":{\"ios\":0,\"iops\":0.0,\"mibPerSecond\":0.00,\"latencyUs\":null},"
                                + "\"write\":{\"ios\":"),
                j);
        assertTrue(
                Pattern.compile(
                                "\"write\":\\{\"ios\":[1-9]\\d*,.*?\"latencyUs\":\\{\"min\":[\\d.]+,\"avg\":[\\d.]+,\"p50\":[\\d.]+,"
                                        + "\"p90\":[\\d.]+,\"p99\":[\\d.]+,\"p99.9\":[\\d.]+,\"max\":[\\d.]+}}")
                        .matcher(j)
                        .find(),
                j);
    }

    @Test
    void writeDataThenReadOutputThroughAnImage(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data"), back = dir.resolve("back");
        byte[] bytes = new byte[1000];
        new Random(7).nextBytes(bytes);
        Files.write(data, bytes);
        String device = "fake:image=" + dir.resolve("ns.img");
        assertEquals(0, run("nvme", "write", "--device", device, "--lba", "0x10", "--data", data.toString()), err());
        assertTrue(
                out().contains("wrote 2 blocks at LBA 16 of namespace 1 from " + data
                        + " (1000 bytes, zero-padded to 1024)"),
                out());
        assertEquals(
                0,
                run("nvme", "read", "--device", device, "--lba", "16", "--blocks", "2", "--output", back.toString()),
                err());
        byte[] read = Files.readAllBytes(back);
        assertEquals(1024, read.length);
        assertTrue(Arrays.equals(bytes, Arrays.copyOf(read, 1000)));
        assertTrue(Arrays.equals(new byte[24], Arrays.copyOfRange(read, 1000, 1024)));
    }

    @Test
    void largeReadsAndWritesMoveInPiecesOfTheMaximumTransfer(@TempDir Path dir) throws Exception {
        String device = "fake:image=" + dir.resolve("ns.img");
        assertEquals(
                0,
                run("nvme", "write", "--device", device, "--blocks", "3000", "--pattern", "0x77"),
                err()); // 1.5 MB > 512 KiB
        Path back = dir.resolve("back");
        assertEquals(
                0, run("nvme", "read", "--device", device, "--blocks", "3001", "--output", back.toString()), err());
        byte[] read = Files.readAllBytes(back);
        assertEquals(3001 * 512, read.length);
        for (int i = 0; i < read.length; i++) {
            if ((read[i] & 0xff) != (i < 3000 * 512 ? 0x77 : 0)) {
                throw new AssertionError("byte " + i + " is " + read[i]);
            }
        }
    }

    @Test
    void demoOnFakeNullSkipsVerificationAndSaysWhy() {
        assertEquals(0, run("nvme", "demo", "--device", "fake-null"), err());
        assertTrue(
                out().contains(
                                "verify: skipped: fake-null keeps no data (use --device fake or fake:image=PATH to verify)"),
                out());
        assertFalse(out().contains("DIFFERENT"), out());
    }

    @Test
    void jsonEscapes() {
        assertEquals("\"a\\\"b\\\\c\\nd\\u0001\"", Json.string("a\"b\\c\nd\u0001"));
        String text = DoctorCommand.toText(List.of(new Check("x", Check.Status.WARN, "seen", "do this")));
        assertTrue(text.contains("[WARN]    x  seen") && text.contains("-> do this"), text);
    }
}
