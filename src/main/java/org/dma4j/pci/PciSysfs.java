package org.dma4j.pci;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * PCI devices as sysfs shows them ({@code /sys/bus/pci}): listing, and binding a device to
 * vfio-pci and back, the way the kernel documents it ({@code driver_override}, {@code unbind},
 * {@code drivers_probe}). Every failure says what is wrong and what to do. The root is a
 * parameter so that tests can run against a fabricated tree. Stateless; thread-safe.
 */
public final class PciSysfs {
    private final Path root;

    /** This machine's sysfs. */
    public PciSysfs() {
        this(Path.of("/"));
    }

    /** The sysfs under {@code root} (which holds {@code sys/bus/pci}). */
    public PciSysfs(Path root) {
        this.root = root;
    }

    private Path devices() {
        return root.resolve("sys/bus/pci/devices");
    }

    private Path dir(PciAddress a) {
        return devices().resolve(a.toString());
    }

    private Path drivers() {
        return root.resolve("sys/bus/pci/drivers");
    }

    /** Every PCI function, by address. Empty when the machine has none (some VMs). */
    public List<PciDeviceInfo> list() {
        if (!Files.isDirectory(devices())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(devices())) {
            List<PciDeviceInfo> out = new ArrayList<>();
            for (Path p : s.sorted().toList()) {
                out.add(info(PciAddress.parse(p.getFileName().toString())));
            }
            return out;
        } catch (IOException e) {
            throw new PciSetupException("cannot list " + devices() + ": " + e.getMessage(), e);
        }
    }

    /** One device; throws when there is no such device. */
    public PciDeviceInfo info(PciAddress a) {
        Path d = dir(a);
        if (!Files.isDirectory(d)) {
            throw new PciSetupException("no PCI device " + a + " (" + d + "); dma4j list shows the devices there are");
        }
        return new PciDeviceInfo(
                a,
                hex(d.resolve("vendor")),
                hex(d.resolve("device")),
                hex(d.resolve("class")),
                linkName(d.resolve("driver")),
                group(d));
    }

    private static int hex(Path p) {
        try {
            return Integer.decode(Files.readString(p).trim());
        } catch (IOException | NumberFormatException e) {
            throw new PciSetupException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> linkName(Path link) {
        try {
            return Optional.of(Files.readSymbolicLink(link).getFileName().toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static OptionalInt group(Path d) {
        return linkName(d.resolve("iommu_group"))
                .map(n -> OptionalInt.of(Integer.parseInt(n)))
                .orElse(OptionalInt.empty());
    }

    /** The devices in IOMMU group {@code group}. */
    public List<PciAddress> groupMembers(int group) {
        Path g = root.resolve("sys/kernel/iommu_groups")
                .resolve(String.valueOf(group))
                .resolve("devices");
        try (Stream<Path> s = Files.list(g)) {
            return s.map(p -> PciAddress.parse(p.getFileName().toString()))
                    .sorted(java.util.Comparator.comparing(Object::toString))
                    .toList();
        } catch (IOException e) {
            throw new PciSetupException("cannot list IOMMU group " + group + " (" + g + "): " + e.getMessage(), e);
        }
    }

    /**
     * Binds {@code a} to vfio-pci. Checks first that vfio-pci is loaded and that the device has an
     * IOMMU group; afterwards that the binding took and that the group is viable (every member
     * bound to vfio-pci or to nothing). Binding a device already on vfio-pci does nothing.
     */
    public void bindVfio(PciAddress a) {
        PciDeviceInfo info = info(a);
        if (info.boundToVfio()) {
            requireViable(info);
            return;
        }
        if (!Files.isDirectory(drivers().resolve("vfio-pci"))) {
            throw new PciSetupException("vfio-pci is not loaded; run `modprobe vfio-pci`, then `dma4j bind " + a + "`");
        }
        if (info.iommuGroup().isEmpty()) {
            throw new PciSetupException(a + " has no IOMMU group: no IOMMU is active (boot with intel_iommu=on) and"
                    + " VFIO's no-IOMMU mode is off; dma4j doctor explains both");
        }
        List<String> uses = info.driver().isPresent() ? BlockDeviceUse.uses(root, dir(a)) : List.of();
        if (!uses.isEmpty()) {
            throw new PciSetupException(
                    "refusing to bind " + a + " to vfio-pci: it backs storage this system is using ("
                            + String.join("; ", uses)
                            + "). Binding would take the disk from under it; unmount it, swapoff it and"
                            + " stop what holds it (e.g. dmsetup remove, mdadm --stop) first");
        }
        write(dir(a).resolve("driver_override"), "vfio-pci", a);
        if (info.driver().isPresent()) {
            write(dir(a).resolve("driver").resolve("unbind"), a.toString(), a);
        }
        write(root.resolve("sys/bus/pci/drivers_probe"), a.toString(), a);
        PciDeviceInfo after = info(a);
        if (!after.boundToVfio()) {
            throw new PciSetupException("binding " + a + " to vfio-pci did not take: it is bound to "
                    + after.driver().orElse("no driver") + "; the kernel log (dmesg) says why");
        }
        requireViable(after);
    }

    /**
     * Throws unless the kernel would call {@code info}'s IOMMU group viable: every device in it is
     * bound to no driver or to one that leaves DMA to VFIO ({@link #allowsVfio}).
     */
    public void requireViable(PciDeviceInfo info) {
        int group = info.iommuGroup().orElseThrow(() -> new PciSetupException(info.address() + " has no IOMMU group"));
        for (PciAddress other : groupMembers(group)) {
            Optional<String> driver = info(other).driver();
            if (driver.isPresent() && !allowsVfio(driver.get())) {
                throw new PciSetupException("IOMMU group " + group + " is not viable: " + other + " is bound to "
                        + driver.get() + "; every device in the group must be on vfio-pci, pci-stub, pcieport (bridges)"
                        + " or no driver: run `dma4j bind " + other + "` too");
            }
        }
    }

    /**
     * Whether a device bound to {@code driver} leaves its IOMMU group usable by VFIO: the kernel
     * lets a group be claimed while its devices' drivers do not use the DMA API themselves
     * ({@code driver_managed_dma}): vfio-pci and its variant drivers ({@code *_vfio_pci}),
     * {@code pci-stub}, and {@code pcieport} on bridges and ports (older kernels' vfio
     * allow-list, {@code vfio_dev_driver_allowed}, is the same set).
     */
    public static boolean allowsVfio(String driver) {
        return driver.equals("vfio-pci")
                || driver.endsWith("_vfio_pci")
                || driver.equals("pci-stub")
                || driver.equals("pcieport");
    }

    /**
     * Undoes {@link #bindVfio}: clears {@code driver_override}, unbinds from vfio-pci and lets the
     * kernel probe the device's own driver again. Returns the driver it is bound to afterwards, if
     * any. Refuses a device bound to another driver (it could be the system disk); see
     * {@link #unbind(PciAddress, boolean)}.
     */
    public Optional<String> unbind(PciAddress a) {
        return unbind(a, false);
    }

    /**
     * Like {@link #unbind(PciAddress)}; with {@code force}, also detaches a device from a driver
     * other than vfio-pci (and lets the kernel probe it again), which takes it away from whoever
     * uses it now.
     */
    public Optional<String> unbind(PciAddress a, boolean force) {
        PciDeviceInfo info = info(a);
        if (!force && info.driver().isPresent() && !info.boundToVfio()) {
            throw new PciSetupException(a + " is bound to " + info.driver().get() + ", not vfio-pci: dma4j unbind only"
                    + " gives back devices bound with dma4j bind; to detach it from "
                    + info.driver().get()
                    + " anyway (whatever uses it loses it), use dma4j unbind --force " + a);
        }
        write(dir(a).resolve("driver_override"), "\n", a);
        if (info.driver().isPresent()) {
            write(dir(a).resolve("driver").resolve("unbind"), a.toString(), a);
        }
        write(root.resolve("sys/bus/pci/drivers_probe"), a.toString(), a);
        return info(a).driver();
    }

    private static void write(Path file, String value, PciAddress a) {
        try {
            Files.writeString(file, value);
        } catch (AccessDeniedException e) {
            throw new PciSetupException(
                    "writing " + file + " for " + a + " was refused: binding drivers needs root", e);
        } catch (IOException e) {
            throw new PciSetupException(
                    "writing '" + value.trim() + "' to " + file + " for " + a + " failed: " + e.getMessage(), e);
        }
    }
}
