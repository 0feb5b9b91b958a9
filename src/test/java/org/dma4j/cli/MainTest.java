package org.dma4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.dma4j.doctor.Check;
import org.junit.jupiter.api.Test;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
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
        for (String name : List.of("kernel", "iommu", "vfio-type1", "vfio-pci", "iommufd", "no-iommu", "memlock", "pagemap", "devices")) {
            assertTrue(Pattern.compile("\\[(OK|WARN|MISSING)\\]\\s+" + name + "\\s").matcher(out()).find(), name + " in\n" + out());
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
    void badInputGetsAUsageError() {
        assertEquals(2, run());
        assertTrue(err().contains("usage: dma4j"));
        assertEquals(2, run("frobnicate"));
        assertTrue(err().contains("unknown command 'frobnicate'; run `dma4j help`"), err());
        assertEquals(2, run("doctor", "--yaml"));
        assertTrue(err().contains("dma4j doctor: unknown option '--yaml'; usage: dma4j doctor [--json]"), err());
    }

    @Test
    void listShowsThisMachinesDevicesAsTextAndJson() throws Exception {
        long n = java.nio.file.Files.isDirectory(java.nio.file.Path.of("/sys/bus/pci/devices"))
                ? java.nio.file.Files.list(java.nio.file.Path.of("/sys/bus/pci/devices")).count() : 0;
        assertEquals(0, run("list"));
        assertTrue(n == 0 ? out().startsWith("no PCI devices") : out().contains(n + " devices; "), out());
        out.reset();
        assertEquals(0, run("list", "--json"));
        assertEquals(n, Pattern.compile("\\{\"address\":").matcher(out()).results().count(), out());
    }

    @Test
    void listFormatsDevices() {
        var info = new org.dma4j.pci.PciDeviceInfo(org.dma4j.pci.PciAddress.parse("0000:00:03.0"), 0x1b36, 0x10, 0x010802,
                java.util.Optional.of("vfio-pci"), java.util.OptionalInt.of(4));
        String text = DeviceCommands.toText(List.of(info));
        assertTrue(text.contains("* 0000:00:03.0  1b36:0010  NVMe controller       vfio-pci    4"), text);
        assertTrue(text.contains("1 devices; 1 usable with VFIO now (*)"), text);
        assertEquals("{\"devices\":[{\"address\":\"0000:00:03.0\",\"vendor\":\"1b36\",\"device\":\"0010\",\"class\":\"010802\","
                + "\"className\":\"NVMe controller\",\"driver\":\"vfio-pci\",\"iommuGroup\":4,\"vfio\":true}]}\n",
                DeviceCommands.toJson(List.of(info)));
    }

    @Test
    void bindNeedsAnAddress() {
        assertEquals(2, run("bind"));
        assertTrue(err().contains("usage: dma4j bind BDF"), err());
        assertEquals(2, run("bind", "nonsense"));
        assertTrue(err().contains("'nonsense' is not a PCI address; write it as 0000:01:00.0"), err());
        assertEquals(1, run("unbind", "0000:7f:1f.7"));
        assertTrue(err().contains("no PCI device 0000:7f:1f.7"), err());
        assertEquals(1, run("unbind", "--force", "0000:7f:1f.7"), "--force is an option, not the address");
        assertTrue(err().contains("no PCI device 0000:7f:1f.7"), err());
        assertEquals(2, run("unbind", "--forse", "0000:7f:1f.7"));
        assertTrue(err().contains("usage: dma4j unbind [--force] BDF"), err());
    }

    @Test
    void nvmeDemoOnTheFakeIdentifiesVerifiesAndMeasures() {
        assertEquals(0, run("nvme", "demo"), err());
        String o = out();
        assertTrue(o.contains("model      dma4j fake NVMe"), o);
        assertTrue(o.contains("namespace 1: 131072 blocks of 512 B"), o);
        assertTrue(o.contains("read it back: identical"), o);
        assertTrue(Pattern.compile("randread\\s+4096\\s+32\\s+1\\s+\\d+").matcher(o).find(), o);
    }

    @Test
    void nvmeWriteReadPerfAndSmartOnTheFake() {
        assertEquals(0, run("nvme", "read", "--lba", "3", "--blocks", "1"), err());
        assertTrue(out().contains("read 1 blocks at LBA 3 of namespace 1:") && out().contains("  0000  00 00"), out());
        assertEquals(0, run("nvme", "write", "--lba", "3", "--blocks", "2", "--pattern", "0x5a"), err());
        assertTrue(out().contains("wrote 2 blocks of 0x5a at LBA 3"), out());
        assertEquals(0, run("nvme", "perf", "--rw", "randrw", "--mix", "50", "--time", "0.3", "--qd", "8", "--queues", "2",
                "--device", "fake-null"), err());
        assertTrue(Pattern.compile("randmix50\\s+4096\\s+8\\s+2\\s+\\d+").matcher(out()).find(), out());
        assertEquals(0, run("nvme", "smart"), err());
        assertTrue(out().contains("temperature        300 K (27 C)"), out());
    }

    @Test
    void nvmeBadInputIsAUsageError() {
        assertEquals(2, run("nvme"));
        assertTrue(err().contains("which nvme command?"), err());
        assertEquals(2, run("nvme", "identify", "--qd"));
        assertTrue(err().contains("--qd needs a value"), err());
        assertEquals(2, run("nvme", "perf", "--rw", "sideways"));
        assertTrue(err().contains("--rw takes randread"), err());
        assertEquals(2, run("nvme", "read", "--lba", "99999999", "--blocks", "1"));
        assertTrue(err().contains("is outside namespace 1"), err());
        assertEquals(2, run("nvme", "identify", "--device", "nvme0"));
        assertTrue(err().contains("--device takes fake, fake-null or a PCI address"), err());
    }

    @Test
    void jsonEscapes() {
        assertEquals("\"a\\\"b\\\\c\\nd\\u0001\"", Json.string("a\"b\\c\nd\u0001"));
        String text = DoctorCommand.toText(List.of(new Check("x", Check.Status.WARN, "seen", "do this")));
        assertTrue(text.contains("[WARN]    x  seen") && text.contains("-> do this"), text);
    }
}
