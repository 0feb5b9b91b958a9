package org.dma4j.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PciSysfsTest {
    @TempDir
    Path tmp;

    /** Four devices; the last, in the e1000e's IOMMU group, bound to vfio-pci. */
    private FakeSysfs machine() throws Exception {
        return machineWithoutVfio().device("0000:00:04.1", 0x8086, 0x10d3, 0x020000, "vfio-pci", 5);
    }

    private FakeSysfs machineWithoutVfio() throws Exception {
        return new FakeSysfs(tmp)
                .device("0000:00:00.0", 0x8086, 0x29c0, 0x060000, null, null)
                .device("0000:00:03.0", 0x1b36, 0x0010, 0x010802, "nvme", 4)
                .device("0000:00:04.0", 0x8086, 0x10d3, 0x020000, "e1000e", 5);
    }

    @Test
    void listsDevicesWithDriverAndGroup() throws Exception {
        machine();
        List<PciDeviceInfo> all = new PciSysfs(tmp).list();
        assertEquals(4, all.size());
        PciDeviceInfo nvme = all.get(1);
        assertEquals("0000:00:03.0", nvme.address().toString());
        assertEquals(0x1b36, nvme.vendor());
        assertEquals("NVMe controller", nvme.className());
        assertEquals(Optional.of("nvme"), nvme.driver());
        assertEquals(4, nvme.iommuGroup().getAsInt());
        assertFalse(nvme.boundToVfio());
        assertTrue(all.get(3).boundToVfio());
        assertTrue(all.get(0).driver().isEmpty() && all.get(0).iommuGroup().isEmpty());
        assertEquals("Host bridge", all.get(0).className());
        assertEquals(
                List.of(PciAddress.parse("0000:00:04.0"), PciAddress.parse("0000:00:04.1")),
                new PciSysfs(tmp).groupMembers(5));
    }

    @Test
    void anEmptyMachineHasNoDevices() {
        assertTrue(new PciSysfs(tmp).list().isEmpty(), "no /sys/bus/pci at all is no devices, not an error");
    }

    @Test
    void bindingWritesTheKernelsFilesInOrderAndVerifies() throws Exception {
        FakeSysfs m = machine().driver("vfio-pci");
        PciSysfs sysfs = new PciSysfs(tmp);
        // A fabricated tree does not rebind by itself: the check after drivers_probe must notice.
        var e = assertThrows(PciSetupException.class, () -> sysfs.bindVfio(PciAddress.parse("0000:00:03.0")));
        assertEquals(
                "binding 0000:00:03.0 to vfio-pci did not take: it is bound to nvme; the kernel log (dmesg) says why",
                e.getMessage());
        assertEquals("vfio-pci", m.read("0000:00:03.0", "driver_override"));
        assertEquals("0000:00:03.0", Files.readString(tmp.resolve("sys/bus/pci/drivers/nvme/unbind")));
        assertEquals("0000:00:03.0", Files.readString(tmp.resolve("sys/bus/pci/drivers_probe")));

        assertEquals(Optional.of("nvme"), sysfs.unbind(PciAddress.parse("0000:00:03.0"), true));
        assertEquals("\n", m.read("0000:00:03.0", "driver_override"), "override cleared");
    }

    @Test
    void everyFailureSaysWhatToDo() throws Exception {
        FakeSysfs m = machineWithoutVfio();
        PciSysfs sysfs = new PciSysfs(tmp);
        var missing = assertThrows(PciSetupException.class, () -> sysfs.info(PciAddress.parse("0000:09:00.0")));
        assertTrue(missing.getMessage().startsWith("no PCI device 0000:09:00.0")
                && missing.getMessage().endsWith("dma4j list shows the devices there are"));
        var noVfio = assertThrows(PciSetupException.class, () -> sysfs.bindVfio(PciAddress.parse("0000:00:03.0")));
        assertEquals(
                "vfio-pci is not loaded; run `modprobe vfio-pci`, then `dma4j bind 0000:00:03.0`", noVfio.getMessage());
        m.device("0000:00:04.1", 0x8086, 0x10d3, 0x020000, "vfio-pci", 5);
        var noGroup = assertThrows(PciSetupException.class, () -> sysfs.bindVfio(PciAddress.parse("0000:00:00.0")));
        assertTrue(
                noGroup.getMessage().startsWith("0000:00:00.0 has no IOMMU group: no IOMMU is active"),
                noGroup.getMessage());
        var notViable = assertThrows(PciSetupException.class, () -> sysfs.bindVfio(PciAddress.parse("0000:00:04.1")));
        assertEquals(
                "IOMMU group 5 is not viable: 0000:00:04.0 is bound to e1000e; every device in the group must be on"
                        + " vfio-pci, pci-stub, pcieport (bridges) or no driver: run `dma4j bind 0000:00:04.0` too",
                notViable.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PciAddress.parse("00:1f"));
        assertEquals("0000:01:00.0", PciAddress.parse("01:00.0").toString());
    }

    /**
     * Issue 9 item 11: the kernel calls a group viable when its other devices are on drivers that
     * leave DMA to VFIO: pci-stub, pcieport (bridges and ports), vfio-pci and its variants.
     */
    @Test
    void groupsWithPciStubAndPcieportAreViableAsTheKernelSays() throws Exception {
        FakeSysfs m = new FakeSysfs(tmp)
                .device("0000:00:1c.0", 0x8086, 0x2918, 0x060400, "pcieport", 6)
                .device("0000:01:00.0", 0x1b36, 0x0010, 0x010802, "vfio-pci", 6)
                .device("0000:01:00.1", 0x1b36, 0x0010, 0x010802, "pci-stub", 6)
                .device("0000:01:00.2", 0x1b36, 0x0010, 0x010802, null, 6)
                .device("0000:01:00.3", 0x15b3, 0x101e, 0x020000, "mlx5_vfio_pci", 6);
        PciSysfs sysfs = new PciSysfs(tmp);
        PciAddress nvme = PciAddress.parse("0000:01:00.0");
        sysfs.requireViable(sysfs.info(nvme));
        sysfs.bindVfio(nvme); // already bound: only the viability check
        m.device("0000:01:00.4", 0x8086, 0x10d3, 0x020000, "e1000e", 6);
        var e = assertThrows(PciSetupException.class, () -> sysfs.requireViable(sysfs.info(nvme)));
        assertTrue(
                e.getMessage().startsWith("IOMMU group 6 is not viable: 0000:01:00.4 is bound to e1000e;"),
                e.getMessage());
        assertTrue(
                PciSysfs.allowsVfio("pcieport") && PciSysfs.allowsVfio("pci-stub") && PciSysfs.allowsVfio("vfio-pci"));
        assertFalse(PciSysfs.allowsVfio("nvme") || PciSysfs.allowsVfio("shpchp"));
    }

    /** Issue 9 item 11: unbind gives back what dma4j bound; another driver's device only when forced. */
    @Test
    void unbindRefusesADeviceNotOnVfioUnlessForced() throws Exception {
        FakeSysfs m = machine();
        PciSysfs sysfs = new PciSysfs(tmp);
        PciAddress disk = PciAddress.parse("0000:00:03.0");
        var e = assertThrows(PciSetupException.class, () -> sysfs.unbind(disk));
        assertEquals(
                "0000:00:03.0 is bound to nvme, not vfio-pci: dma4j unbind only gives back devices bound with"
                        + " dma4j bind; to detach it from nvme anyway (whatever uses it loses it), use dma4j unbind --force"
                        + " 0000:00:03.0",
                e.getMessage());
        assertEquals("(null)\n", m.read("0000:00:03.0", "driver_override"), "nothing written");
        assertFalse(Files.exists(tmp.resolve("sys/bus/pci/drivers/nvme/unbind")), "not detached");
        assertEquals(Optional.of("nvme"), sysfs.unbind(disk, true), "forced (the fake tree does not detach by itself)");
        assertEquals("0000:00:03.0", Files.readString(tmp.resolve("sys/bus/pci/drivers/nvme/unbind")));
        assertEquals(
                Optional.of("vfio-pci"),
                sysfs.unbind(PciAddress.parse("0000:00:04.1")),
                "a vfio-pci device needs no force");
        assertEquals("0000:00:04.1", Files.readString(tmp.resolve("sys/bus/pci/drivers/vfio-pci/unbind")));
        assertEquals(Optional.empty(), sysfs.unbind(PciAddress.parse("0000:00:00.0")), "nor one on no driver");
    }

    /** Without CAP_DAC_OVERRIDE (as a non-root user is), writing sysfs is refused: the error must say root is needed. */
    @Test
    void withoutPrivilegeBindingSaysItNeedsRoot() throws Exception {
        Assumptions.assumeTrue(
                Files.readAllLines(Path.of("/proc/self/status")).stream()
                                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0"))
                        && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "needs root and setpriv to drop CAP_DAC_OVERRIDE for a child process");
        machine().driver("vfio-pci");
        Path override = tmp.resolve("sys/devices/pci0000:00/0000:00:03.0/driver_override");
        assertTrue(override.toFile().setWritable(false, false));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        "/usr/bin/setpriv",
                        "--bounding-set=-dac_override",
                        "--inh-caps=-dac_override",
                        "--",
                        java,
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        BindProbe.class.getName(),
                        tmp.toString(),
                        "0000:00:03.0")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.contains("for 0000:00:03.0 was refused: binding drivers needs root"), out);
    }

    @Test
    void thisMachinesRealSysfs() throws Exception {
        Path devices = Path.of("/sys/bus/pci/devices");
        long expected = Files.isDirectory(devices) ? Files.list(devices).count() : 0;
        List<PciDeviceInfo> all = new PciSysfs().list();
        assertEquals(expected, all.size(), "one entry per device sysfs shows (this machine may have none)");
        for (PciDeviceInfo d : all) {
            assertTrue(d.vendor() > 0 && d.vendor() < 0xffff, d.toString());
            assertFalse(d.className().isBlank());
            try (Stream<Path> s = Files.list(devices.resolve(d.address().toString()))) {
                assertTrue(s.findAny().isPresent());
            }
        }
    }
}
