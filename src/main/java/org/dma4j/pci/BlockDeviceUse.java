package org.dma4j.pci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Whether a PCI device backs a block device the system is using, so that {@code bind} can refuse
 * to pull a disk from under it: the block devices and partitions the kernel made for the device
 * (directories under its sysfs node with a {@code dev} and a {@code holders} entry, e.g.
 * {@code nvme/nvme0/nvme0n1} and {@code nvme0n1p1}), each checked against the mount table
 * ({@code /proc/self/mountinfo}, by major:minor), the active swap areas ({@code /proc/swaps}) and
 * its holders (device-mapper, md RAID, bcache: {@code holders/} is not empty).
 */
final class BlockDeviceUse {
    private BlockDeviceUse() {}

    /** Why {@code deviceDir} (under {@code root}) must not be taken from its driver, one line per use; empty when unused. */
    static List<String> uses(Path root, Path deviceDir) {
        List<String> out = new ArrayList<>();
        List<Path> blocks = blockDevices(deviceDir);
        if (blocks.isEmpty()) {
            return out;
        }
        List<String> mountinfo = lines(root.resolve("proc/self/mountinfo"));
        List<String> swaps = lines(root.resolve("proc/swaps"));
        for (Path b : blocks) {
            String name = b.getFileName().toString();
            String majmin = read(b.resolve("dev"));
            for (String line : mountinfo) {
                String[] f = line.split(" ");
                if (f.length > 4 && f[2].equals(majmin)) {
                    out.add("/dev/" + name + " (" + majmin + ") is mounted at " + f[4]);
                }
            }
            for (String line : swaps) {
                if (line.split("\\s+")[0].equals("/dev/" + name)) {
                    out.add("/dev/" + name + " is an active swap area");
                }
            }
            try (Stream<Path> h = Files.list(b.resolve("holders"))) {
                h.forEach(holder -> out.add("/dev/" + name + " is held by " + holder.getFileName()
                        + " (device-mapper, md RAID or another stacking driver)"));
            } catch (IOException e) {
                throw new PciSetupException("cannot tell whether the device's disks are in use: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The block devices and partitions under {@code deviceDir}, not following links (sysfs links back up the tree). */
    private static List<Path> blockDevices(Path deviceDir) {
        try (Stream<Path> s = Files.walk(deviceDir.toRealPath(), 6)) {
            return s.filter(p -> Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            && Files.isRegularFile(p.resolve("dev"))
                            && Files.isDirectory(p.resolve("holders")))
                    .toList();
        } catch (IOException e) {
            throw new PciSetupException("cannot tell whether the device's disks are in use: " + e.getMessage(), e);
        }
    }

    private static List<String> lines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p) : List.of();
        } catch (IOException e) {
            throw new PciSetupException("cannot tell whether the device's disks are in use: " + e.getMessage(), e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            throw new PciSetupException("cannot tell whether the device's disks are in use: " + e.getMessage(), e);
        }
    }
}
