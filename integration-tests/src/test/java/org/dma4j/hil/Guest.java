package org.dma4j.hil;

import static org.dma4j.linux.gen.libc.libc_h.O_NONBLOCK;
import static org.dma4j.linux.gen.libc.libc_h.O_RDONLY;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.dma4j.Errno;
import org.dma4j.ErrnoException;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Syscalls;
import org.junit.jupiter.api.Assumptions;

/**
 * What a guest test needs to know about the QEMU guest it runs in: which variant it is, where
 * the NVMe controller under test is (bound to vfio-pci by the rig), and the kernel log.
 * Outside the guest every guest test skips with one line saying how to run it.
 */
public final class Guest {
    /** PCI class code of an NVMe controller (mass storage, NVM, NVMe). */
    static final String NVME_CLASS = "0x010802";

    private Guest() {}

    /** Skips the calling test unless it runs in the rig's guest, in {@code variant}. */
    public static void require(String variant) {
        String v = System.getProperty("dma4j.hil.variant");
        Assumptions.assumeTrue(
                v != null && System.getenv("DMA4J_GUEST") != null,
                "needs the QEMU guest (tools/test runs it; tools/hil gives a shell)");
        Assumptions.assumeTrue(v.equals(variant), "for the " + variant + " guest, this is " + v);
    }

    /** Skips the calling test unless it runs in the rig's guest, in one of {@code variants}. */
    public static void requireAny(String... variants) {
        String v = System.getProperty("dma4j.hil.variant");
        Assumptions.assumeTrue(
                v != null && System.getenv("DMA4J_GUEST") != null,
                "needs the QEMU guest (tools/test runs it; tools/hil gives a shell)");
        Assumptions.assumeTrue(
                java.util.List.of(variants).contains(v),
                "for the " + String.join(" or ", variants) + " guest, this is " + v);
    }

    /** The NVMe controller under test: its PCI address, bound to vfio-pci. */
    public static String nvmeBdf() {
        try (Stream<Path> devs = Files.list(Path.of("/sys/bus/pci/devices"))) {
            for (Path d : devs.sorted().toList()) {
                if (Files.readString(d.resolve("class")).trim().equals(NVME_CLASS)) {
                    return d.getFileName().toString();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no NVMe controller in this guest");
    }

    /** Every NVMe controller of the guest, by PCI address (the rig adds one per {@code tools/hil --nvme}). */
    public static List<String> nvmeBdfs() {
        try (Stream<Path> devs = Files.list(Path.of("/sys/bus/pci/devices"))) {
            List<String> out = new ArrayList<>();
            for (Path d : devs.sorted().toList()) {
                if (Files.readString(d.resolve("class")).trim().equals(NVME_CLASS)) {
                    out.add(d.getFileName().toString());
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ivshmem-plain device of the p2p guest ({@code tools/hil --ivshmem}), bound to vfio-pci by the rig. */
    public static String ivshmemBdf() {
        return deviceById("0x1af4", "0x1110", "ivshmem (tools/hil --ivshmem)");
    }

    /** The first PCI device with this vendor and device ID (hex, as sysfs shows them). */
    static String deviceById(String vendor, String device, String what) {
        try (Stream<Path> devs = Files.list(Path.of("/sys/bus/pci/devices"))) {
            for (Path d : devs.sorted().toList()) {
                if (Files.readString(d.resolve("vendor")).trim().equals(vendor)
                        && Files.readString(d.resolve("device")).trim().equals(device)) {
                    return d.getFileName().toString();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no " + what + " in this guest");
    }

    /**
     * The guest's edu devices ({@code tools/hil --edu}), lowest PCI address first: the order of
     * the {@code --edu} options (GuestSuiteIT gives each variant's).
     */
    public static List<String> eduBdfs() {
        List<String> out = new ArrayList<>();
        try (Stream<Path> devs = Files.list(Path.of("/sys/bus/pci/devices"))) {
            for (Path d : devs.sorted().toList()) {
                if (Files.readString(d.resolve("vendor")).trim().equals("0x1234")
                        && Files.readString(d.resolve("device")).trim().equals("0x11e8")) {
                    out.add(d.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no edu device in this guest (tools/hil --edu adds one)");
        }
        return out;
    }

    /** Where p2p guest tests leave what the host must find in ivshmem.bin: one line per test, "name offset length sha256". */
    public static final String P2P_EXPECTED = "p2p-expected.txt";

    /**
     * Records that {@code bytes} must be at {@code offset} of ivshmem's backing file, for
     * GuestSuiteIT to check on the host after the guest has gone.
     */
    public static void expectInIvshmemFile(String test, long offset, byte[] bytes) {
        try {
            String sha = java.util.HexFormat.of()
                    .formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
            Files.writeString(
                    resultsDir().resolve(P2P_EXPECTED),
                    test + " " + offset + " " + bytes.length + " " + sha + "\n",
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The rig's results directory, shared with the host at the same path ({@code tools/hil --results}). */
    public static Path resultsDir() {
        String dir = System.getenv("DMA4J_HIL_RESULTS");
        if (dir == null) {
            throw new IllegalStateException("DMA4J_HIL_RESULTS is not set: not in the rig's guest");
        }
        return Path.of(dir);
    }

    /** The IOMMU group number of a device. */
    public static String iommuGroup(String bdf) {
        try {
            return Files.readSymbolicLink(Path.of("/sys/bus/pci/devices", bdf, "iommu_group"))
                    .getFileName()
                    .toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The device's VFIO cdev, {@code /dev/vfio/devices/vfioN}. */
    public static String vfioCdev(String bdf) {
        try (Stream<Path> s = Files.list(Path.of("/sys/bus/pci/devices", bdf, "vfio-dev"))) {
            return "/dev/vfio/devices/" + s.findFirst().orElseThrow().getFileName();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every record now in the kernel log ({@code /dev/kmsg}), as text lines. */
    public static List<String> kernelLog() {
        List<String> lines = new ArrayList<>();
        try (Fd kmsg = Fd.open("/dev/kmsg", O_RDONLY() | O_NONBLOCK());
                Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(8192);
            while (true) {
                long n;
                try {
                    n = Syscalls.read(kmsg.raw(), buf, kmsg.name());
                } catch (ErrnoException e) {
                    if (e.is(Errno.EAGAIN)) {
                        return lines; // no more records
                    }
                    if (e.is(Errno.EPIPE)) {
                        continue; // a record was overwritten while we read; go on
                    }
                    throw e;
                }
                String record = new String(
                        buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
                lines.add(record.substring(record.indexOf(';') + 1).trim());
            }
        }
    }

    /** IOVA ranges as {@code [0x0-0xfedfffff, ...]} (inclusive, unsigned). */
    public static String ranges(List<long[]> ranges) {
        return ranges.stream()
                .map(r -> "0x" + Long.toHexString(r[0]) + "-0x" + Long.toHexString(r[1]))
                .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }

    /** The kernel log lines reporting an IOMMU (DMAR) fault. */
    public static List<String> dmarFaults() {
        return kernelLog().stream()
                .filter(l -> l.contains("DMAR") && l.contains("fault addr"))
                .toList();
    }
}
