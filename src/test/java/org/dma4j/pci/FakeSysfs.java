package org.dma4j.pci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A fabricated /sys tree with PCI devices, drivers and IOMMU groups, for PciSysfs tests. */
final class FakeSysfs {
    final Path root;

    FakeSysfs(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root.resolve("sys/bus/pci/devices"));
        Files.createDirectories(root.resolve("sys/bus/pci/drivers"));
        Files.writeString(root.resolve("sys/bus/pci/drivers_probe"), "");
    }

    FakeSysfs driver(String name) throws IOException {
        Files.createDirectories(root.resolve("sys/bus/pci/drivers").resolve(name));
        return this;
    }

    /** A device; {@code driver} and {@code group} may be null. */
    FakeSysfs device(String bdf, int vendor, int device, int cls, String driver, Integer group) throws IOException {
        Path d = root.resolve("sys/devices/pci0000:00").resolve(bdf);
        Files.createDirectories(d);
        Files.writeString(d.resolve("vendor"), String.format("0x%04x%n", vendor));
        Files.writeString(d.resolve("device"), String.format("0x%04x%n", device));
        Files.writeString(d.resolve("class"), String.format("0x%06x%n", cls));
        Files.writeString(d.resolve("driver_override"), "(null)\n");
        Files.createSymbolicLink(root.resolve("sys/bus/pci/devices").resolve(bdf), d);
        if (driver != null) {
            driver(driver);
            Files.createSymbolicLink(
                    d.resolve("driver"), root.resolve("sys/bus/pci/drivers").resolve(driver));
        }
        if (group != null) {
            Path g = root.resolve("sys/kernel/iommu_groups").resolve(group.toString());
            Files.createDirectories(g.resolve("devices"));
            Files.createSymbolicLink(g.resolve("devices").resolve(bdf), d);
            Files.createSymbolicLink(d.resolve("iommu_group"), g);
        }
        return this;
    }

    String read(String bdf, String file) throws IOException {
        return Files.readString(root.resolve("sys/bus/pci/devices").resolve(bdf).resolve(file));
    }
}
