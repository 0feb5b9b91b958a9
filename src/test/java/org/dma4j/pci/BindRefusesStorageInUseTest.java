package org.dma4j.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bind} refuses an NVMe controller whose namespace (or a partition of it) is mounted, an
 * active swap area, or held by device-mapper or md, and says which and what to do; it writes
 * nothing to sysfs then. An NVMe controller whose disks are unused is bound as before.
 */
class BindRefusesStorageInUseTest {
    @TempDir
    Path tmp;

    private Path ns;
    private static final PciAddress NVME = PciAddress.parse("0000:00:03.0");

    @BeforeEach
    void machine() throws Exception {
        new FakeSysfs(tmp).driver("vfio-pci").device("0000:00:03.0", 0x1b36, 0x0010, 0x010802, "nvme", 3);
        Path ctrl = tmp.resolve("sys/devices/pci0000:00/0000:00:03.0/nvme/nvme0");
        Files.createDirectories(ctrl);
        Files.writeString(ctrl.resolve("dev"), "240:0\n"); // the controller's char device: no holders, not a disk
        ns = ctrl.resolve("nvme0n1");
        blockDevice(ns, "259:0");
        blockDevice(ns.resolve("nvme0n1p1"), "259:1");
        Files.createDirectories(tmp.resolve("proc/self"));
        Files.writeString(
                tmp.resolve("proc/self/mountinfo"), "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n");
        Files.writeString(tmp.resolve("proc/swaps"), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
    }

    private static void blockDevice(Path d, String majmin) throws Exception {
        Files.createDirectories(d.resolve("holders"));
        Files.writeString(d.resolve("dev"), majmin + "\n");
    }

    private String refusal() {
        var e = assertThrows(PciSetupException.class, () -> new PciSysfs(tmp).bindVfio(NVME));
        assertEquals("(null)\n", readOverride(), "nothing was written");
        return e.getMessage();
    }

    private String readOverride() {
        try {
            return Files.readString(tmp.resolve("sys/bus/pci/devices/0000:00:03.0/driver_override"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aMountedPartitionIsRefusedByName() throws Exception {
        Files.writeString(
                tmp.resolve("proc/self/mountinfo"),
                "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                        + "40 22 259:1 / /data rw,relatime shared:9 - xfs /dev/nvme0n1p1 rw\n");
        String m = refusal();
        assertTrue(
                m.startsWith("refusing to bind 0000:00:03.0 to vfio-pci: it backs storage this system is using"
                        + " (/dev/nvme0n1p1 (259:1) is mounted at /data)"),
                m);
        assertTrue(m.contains("unmount it"), m);
    }

    @Test
    void anActiveSwapAreaIsRefused() throws Exception {
        Files.writeString(
                tmp.resolve("proc/swaps"),
                "Filename\tType\tSize\tUsed\tPriority\n/dev/nvme0n1\tpartition\t1048572\t0\t-2\n");
        assertTrue(refusal().contains("/dev/nvme0n1 is an active swap area"));
    }

    @Test
    void aDiskHeldByDeviceMapperIsRefused() throws Exception {
        Files.createDirectories(ns.resolve("holders/dm-0"));
        assertTrue(refusal().contains("/dev/nvme0n1 is held by dm-0 (device-mapper, md RAID"));
    }

    @Test
    void unusedDisksDoNotStopTheBind() {
        // The fabricated tree does not rebind by itself: getting to that check means the storage check passed.
        var e = assertThrows(PciSetupException.class, () -> new PciSysfs(tmp).bindVfio(NVME));
        assertTrue(e.getMessage().startsWith("binding 0000:00:03.0 to vfio-pci did not take"), e.getMessage());
        assertFalse(readOverride().equals("(null)\n"));
    }
}
