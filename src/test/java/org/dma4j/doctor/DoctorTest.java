package org.dma4j.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.dma4j.doctor.Check.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoctorTest {
    private static void write(Path root, String file, String content) throws IOException {
        Path p = root.resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private static Map<String, Check> byName(List<Check> checks) {
        return checks.stream().collect(Collectors.toMap(Check::name, Function.identity()));
    }

    @Test
    void fabricatedMachineWithIommuHugepagesAndNoIommuMode(@TempDir Path root) throws IOException {
        write(root, "proc/sys/kernel/osrelease", "6.12.0-test\n");
        write(root, "proc/self/status", "Name:\tjava\nUid:\t1000\t1000\t1000\t1000\n");
        Files.createDirectories(root.resolve("sys/kernel/iommu_groups/0"));
        Files.createDirectories(root.resolve("sys/kernel/iommu_groups/1"));
        write(root, "sys/kernel/iommu_groups/2/name", "vfio-noiommu\n"); // not an IOMMU
        Files.createDirectories(root.resolve("sys/bus/pci/drivers/vfio-pci"));
        write(root, "dev/vfio/vfio", ""); // a regular file, not the VFIO container: ioctl gives ENOTTY
        write(root, "sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n");
        write(root, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "64\n");
        write(root, "sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "60\n");
        write(root, "sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
        write(root, "sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "0\n");

        Map<String, Check> c = byName(new Doctor(root).run());
        assertEquals(Status.OK, c.get("kernel").status());
        assertEquals("Linux 6.12.0-test", c.get("kernel").detail());
        assertEquals(Status.WARN, c.get("user").status());
        assertTrue(c.get("user").detail().contains("uid 1000"));
        assertEquals(Status.OK, c.get("iommu").status());
        assertEquals("2 IOMMU groups", c.get("iommu").detail());
        assertEquals(Status.MISSING, c.get("vfio-type1").status());
        assertTrue(
                c.get("vfio-type1").detail().contains("VFIO_GET_API_VERSION")
                        && c.get("vfio-type1").detail().contains("(ENOTTY)"),
                c.get("vfio-type1").detail());
        assertEquals(Status.OK, c.get("vfio-pci").status());
        assertEquals(Status.MISSING, c.get("iommufd").status());
        assertEquals("no /dev/iommu, no /dev/vfio/devices", c.get("iommufd").detail());
        assertEquals(Status.OK, c.get("no-iommu").status());
        assertEquals(Status.OK, c.get("hugepages-2M").status());
        assertEquals("60 free of 64 reserved", c.get("hugepages-2M").detail());
        assertEquals(Status.WARN, c.get("hugepages-1G").status());
        assertTrue(c.get("hugepages-1G").fix().contains("hugepages-1048576kB/nr_hugepages"));
        // No pagemap file in the fabricated tree: a clear MISSING, not an exception.
        assertEquals(Status.MISSING, c.get("pagemap").status());
        assertTrue(
                c.get("pagemap").detail().contains("ENOENT"), c.get("pagemap").detail());
    }

    @Test
    void emptyMachineSaysWhatIsMissingAndHowToFixIt(@TempDir Path root) {
        List<Check> checks = new Doctor(root).run();
        for (Check c : checks) {
            assertFalse(c.detail().isBlank(), c.name());
            assertTrue(c.status() == Status.OK || !c.fix().isBlank(), c.name() + " says what to change");
        }
        Map<String, Check> c = byName(checks);
        assertEquals(Status.MISSING, c.get("iommu").status());
        assertEquals(
                "no IOMMU groups in /sys/kernel/iommu_groups (no IOMMU is active)",
                c.get("iommu").detail());
        assertEquals(Status.MISSING, c.get("vfio-type1").status());
        assertTrue(c.get("vfio-type1").fix().contains("modprobe vfio-pci"));
        assertEquals(Status.MISSING, c.get("no-iommu").status());
        assertEquals(Status.MISSING, c.get("hugepages").status());
    }

    @Test
    void thisMachine() throws IOException {
        Map<String, Check> c = byName(new Doctor().run());
        assertEquals(
                "Linux "
                        + Files.readString(Path.of("/proc/sys/kernel/osrelease"))
                                .trim(),
                c.get("kernel").detail());
        assertTrue(c.get("memlock").detail().startsWith("RLIMIT_MEMLOCK is "));
        // Whatever this machine has, the VFIO view must agree with /dev.
        assertEquals(
                Files.exists(Path.of("/dev/vfio/vfio")),
                c.get("vfio-type1").status() != Status.MISSING
                        || c.get("vfio-type1").detail().startsWith("failed to"));
        boolean root = Files.readString(Path.of("/proc/self/status"))
                .lines()
                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0"));
        if (root) {
            assertEquals(Status.OK, c.get("pagemap").status(), c.get("pagemap").detail());
        } else {
            assertEquals("PFNs read as 0 (no CAP_SYS_ADMIN)", c.get("pagemap").detail());
        }
    }
}
