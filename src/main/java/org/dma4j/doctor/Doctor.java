package org.dma4j.doctor;

import static org.dma4j.linux.gen.libc.libc_h.MAP_ANONYMOUS;
import static org.dma4j.linux.gen.libc.libc_h.MAP_PRIVATE;
import static org.dma4j.linux.gen.libc.libc_h.O_RDONLY;
import static org.dma4j.linux.gen.libc.libc_h.O_RDWR;
import static org.dma4j.linux.gen.libc.libc_h.PROT_READ;
import static org.dma4j.linux.gen.libc.libc_h.PROT_WRITE;
import static org.dma4j.linux.gen.libc.libc_h.RLIMIT_MEMLOCK;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.dma4j.Dma4jException;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Ioctls;
import org.dma4j.linux.Syscalls;
import org.dma4j.linux.gen.vfio.vfio_h;
import org.dma4j.pci.PciDeviceInfo;
import org.dma4j.pci.PciSysfs;

/**
 * The capability probe behind {@code dma4j doctor}: says what this machine can do for a
 * userspace driver (VFIO type1, the VFIO device cdev with iommufd, no-IOMMU mode, IOMMU
 * groups, hugepages, the memlock limit, physical addresses from pagemap, the PCI devices VFIO
 * can open) and what to change.
 * Every check reads the machine and reports; none changes anything. Stateless and thread-safe.
 */
public final class Doctor {
    private static final long PAGEMAP_PRESENT = 1L << 63;
    private static final long PAGEMAP_PFN_MASK = (1L << 55) - 1;

    private final Path root;

    /** A probe of this machine. */
    public Doctor() {
        this(Path.of("/"));
    }

    /** A probe of the machine whose {@code /dev}, {@code /proc} and {@code /sys} are under {@code root} (tests). */
    public Doctor(Path root) {
        this.root = root;
    }

    /** Runs every check, in the order a driver author needs them. */
    public List<Check> run() {
        List<Check> checks = new ArrayList<>();
        checks.add(kernel());
        checks.add(user());
        checks.add(iommuGroups());
        checks.add(vfioContainer());
        checks.add(vfioPciDriver());
        checks.add(iommufd());
        checks.add(noIommu());
        checks.addAll(hugepages());
        checks.add(memlock());
        checks.add(pagemap());
        checks.add(devices());
        return checks;
    }

    private Path at(String absolute) {
        return root.resolve(absolute.substring(1));
    }

    private Optional<String> read(String absolute) {
        try {
            return Optional.of(Files.readString(at(absolute)).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    Check kernel() {
        return read("/proc/sys/kernel/osrelease")
                .map(v -> Check.ok("kernel", "Linux " + v))
                .orElseGet(() -> Check.missing("kernel", "cannot read /proc/sys/kernel/osrelease", "mount /proc"));
    }

    Check user() {
        Optional<String> uid = read("/proc/self/status")
                .flatMap(s -> s.lines().filter(l -> l.startsWith("Uid:")).findFirst())
                .map(l -> l.split("\\s+")[2]);
        if (uid.isEmpty()) {
            return Check.warn("user", "cannot read /proc/self/status", "mount /proc");
        }
        return uid.get().equals("0")
                ? Check.ok("user", "root")
                : Check.warn(
                        "user",
                        "uid " + uid.get() + " (not root)",
                        "binding devices needs root; VFIO needs access to /dev/vfio/* and a memlock limit that covers your DMA memory");
    }

    Check iommuGroups() {
        long groups = 0;
        long noIommu = 0;
        try (Stream<Path> s = Files.list(at("/sys/kernel/iommu_groups"))) {
            for (Path g : s.toList()) {
                // VFIO's no-IOMMU mode makes groups of its own, named so; they are no IOMMU.
                boolean fake = read("/sys/kernel/iommu_groups/" + g.getFileName() + "/name")
                        .orElse("")
                        .equals("vfio-noiommu");
                if (fake) {
                    noIommu++;
                } else {
                    groups++;
                }
            }
        } catch (IOException e) {
            // no such directory: no IOMMU groups
        }
        if (groups > 0) {
            return Check.ok("iommu", groups + " IOMMU groups");
        }
        return Check.missing(
                "iommu",
                "no IOMMU groups in /sys/kernel/iommu_groups (no IOMMU is active"
                        + (noIommu > 0 ? "; " + noIommu + " are VFIO no-IOMMU groups" : "") + ")",
                "enable VT-d / AMD-Vi in firmware and boot with intel_iommu=on (or amd_iommu=on); without one, only no-IOMMU mode works");
    }

    Check vfioContainer() {
        String dev = "/dev/vfio/vfio";
        if (!Files.exists(at(dev))) {
            return Check.missing(
                    "vfio-type1",
                    dev + " does not exist (no VFIO in this kernel, or vfio not loaded)",
                    "modprobe vfio-pci (kernel needs CONFIG_VFIO, CONFIG_VFIO_CONTAINER, CONFIG_VFIO_IOMMU_TYPE1)");
        }
        try (Fd fd = Fd.open(at(dev).toString(), O_RDWR())) {
            int api = fd.ioctl(Ioctls.VFIO_GET_API_VERSION, 0L);
            boolean type1v2 = fd.ioctl(Ioctls.VFIO_CHECK_EXTENSION, vfio_h.VFIO_TYPE1v2_IOMMU()) > 0;
            boolean noiommu = fd.ioctl(Ioctls.VFIO_CHECK_EXTENSION, vfio_h.VFIO_NOIOMMU_IOMMU()) > 0;
            String detail = "VFIO API " + api + ", type1v2 " + (type1v2 ? "yes" : "no") + ", no-IOMMU extension "
                    + (noiommu ? "yes" : "no");
            return type1v2
                    ? Check.ok("vfio-type1", detail)
                    : Check.warn("vfio-type1", detail, "modprobe vfio_iommu_type1 (CONFIG_VFIO_IOMMU_TYPE1)");
        } catch (Dma4jException e) {
            return Check.missing("vfio-type1", e.getMessage(), "check that " + dev + " is the VFIO container device");
        }
    }

    Check vfioPciDriver() {
        return Files.isDirectory(at("/sys/bus/pci/drivers/vfio-pci"))
                ? Check.ok("vfio-pci", "the vfio-pci driver is loaded")
                : Check.missing("vfio-pci", "no vfio-pci driver in /sys/bus/pci/drivers", "modprobe vfio-pci");
    }

    Check iommufd() {
        boolean iommu = Files.exists(at("/dev/iommu"));
        boolean cdevs = Files.isDirectory(at("/dev/vfio/devices"));
        if (iommu && cdevs) {
            try {
                Fd.open(at("/dev/iommu").toString(), O_RDWR()).close(); // opening is the check
                return Check.ok(
                        "iommufd",
                        "/dev/iommu opens; VFIO device cdevs in /dev/vfio/devices (" + countDir("/dev/vfio/devices")
                                + ")");
            } catch (Dma4jException e) {
                return Check.missing("iommufd", e.getMessage(), "run as root or give access to /dev/iommu");
            }
        }
        String seen =
                (iommu ? "" : "no /dev/iommu") + (!iommu && !cdevs ? ", " : "") + (cdevs ? "" : "no /dev/vfio/devices");
        return Check.missing(
                "iommufd",
                seen,
                "needs a kernel built with CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV (Debian's has neither); meanwhile use the type1 backend");
    }

    Check noIommu() {
        Optional<String> mode = read("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
        if (mode.isEmpty()) {
            return Check.missing(
                    "no-iommu",
                    "vfio has no enable_unsafe_noiommu_mode parameter",
                    "needs CONFIG_VFIO_NOIOMMU and the vfio module loaded");
        }
        return mode.get().equals("Y")
                ? Check.ok("no-iommu", "unsafe no-IOMMU mode is on: devices DMA to physical addresses, unprotected")
                : Check.warn(
                        "no-iommu",
                        "unsafe no-IOMMU mode is off",
                        "only for machines without an IOMMU: echo Y > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
    }

    List<Check> hugepages() {
        Path dir = at("/sys/kernel/mm/hugepages");
        List<Check> out = new ArrayList<>();
        try (Stream<Path> sizes = Files.list(dir)) {
            for (Path p : sizes.sorted().toList()) {
                String name = p.getFileName().toString(); // hugepages-2048kB
                long kb = Long.parseLong(name.replaceAll("\\D", ""));
                String label = "hugepages-" + (kb >= 1048576 ? kb / 1048576 + "G" : kb / 1024 + "M");
                long total = Long.parseLong(
                        Files.readString(p.resolve("nr_hugepages")).trim());
                long free = Long.parseLong(
                        Files.readString(p.resolve("free_hugepages")).trim());
                String detail = free + " free of " + total + " reserved";
                out.add(
                        free > 0
                                ? Check.ok(label, detail)
                                : Check.warn(
                                        label,
                                        detail,
                                        "reserve some: echo 64 > /sys/kernel/mm/hugepages/" + name
                                                + "/nr_hugepages (no-IOMMU mode needs them for all DMA memory; behind an IOMMU 4 KiB pages do)"));
            }
        } catch (IOException | NumberFormatException e) {
            out.add(Check.missing(
                    "hugepages",
                    "cannot read " + dir + ": " + e.getMessage(),
                    "needs CONFIG_HUGETLBFS; no-IOMMU mode needs hugepages, behind an IOMMU 4 KiB pages do"));
        }
        return out;
    }

    Check memlock() {
        Syscalls.Rlimit l = Syscalls.getrlimit(RLIMIT_MEMLOCK());
        String detail = "RLIMIT_MEMLOCK is " + l.describeCurrent() + " (hard " + l.describeMaximum() + ")";
        if (l.current() == Syscalls.Rlimit.INFINITY || l.current() >= (1L << 30)) {
            return Check.ok("memlock", detail);
        }
        return Check.warn(
                "memlock",
                detail,
                "DMA buffers and VFIO mappings are pinned and count against it: raise it (ulimit -l unlimited, or LimitMEMLOCK=infinity)");
    }

    /** Touches a private page and reads its pagemap entry: is the PFN visible to this process? */
    Check pagemap() {
        String path = "/proc/self/pagemap";
        try (Arena arena = Arena.ofConfined();
                Fd fd = Fd.open(at(path).toString(), O_RDONLY())) {
            long pageSize = Syscalls.pageSize();
            MemorySegment page = Syscalls.mmap(
                    pageSize,
                    PROT_READ() | PROT_WRITE(),
                    MAP_PRIVATE() | MAP_ANONYMOUS(),
                    -1,
                    0,
                    arena,
                    "a probe page");
            page.set(ValueLayout.JAVA_BYTE, 0, (byte) 1); // fault it in
            MemorySegment entry = arena.allocate(ValueLayout.JAVA_LONG);
            long n = fd.pread(entry, page.address() / pageSize * Long.BYTES);
            if (n != Long.BYTES) {
                return Check.missing("pagemap", "short read of " + path, "mount /proc");
            }
            long e = entry.get(ValueLayout.JAVA_LONG, 0);
            if ((e & PAGEMAP_PRESENT) == 0) {
                return Check.warn(
                        "pagemap",
                        "a touched page reads as not present",
                        "report this: the kernel's pagemap looks unusual");
            }
            if ((e & PAGEMAP_PFN_MASK) == 0) {
                return Check.warn(
                        "pagemap",
                        "PFNs read as 0 (no CAP_SYS_ADMIN)",
                        "run as root to resolve physical addresses; needed only for no-IOMMU mode");
            }
            return Check.ok("pagemap", "physical addresses are readable from " + path);
        } catch (Dma4jException e) {
            return Check.missing("pagemap", e.getMessage(), "needs CONFIG_PROC_PAGE_MONITOR and /proc mounted");
        }
    }

    /** The device view: which PCI devices VFIO can open now, and which it could after a bind. */
    Check devices() {
        List<PciDeviceInfo> all;
        try {
            all = new PciSysfs(root).list();
        } catch (Dma4jException e) {
            return Check.warn("devices", e.getMessage(), "mount /sys");
        }
        List<String> vfio = all.stream()
                .filter(PciDeviceInfo::boundToVfio)
                .map(d -> d.address() + " (" + d.className() + ", group "
                        + d.iommuGroup().orElse(-1) + ")")
                .toList();
        if (!vfio.isEmpty()) {
            return Check.ok("devices", all.size() + " PCI devices; on vfio-pci: " + String.join(", ", vfio));
        }
        if (all.isEmpty()) {
            return Check.warn(
                    "devices",
                    "no PCI devices",
                    "nothing to drive here; run where a PCI device is present (a VM with QEMU's -device nvme will do)");
        }
        return Check.warn(
                "devices",
                all.size() + " PCI devices, none on vfio-pci",
                "dma4j list shows them; dma4j bind ADDRESS hands one to vfio-pci");
    }

    private long countDir(String absolute) {
        try (Stream<Path> s = Files.list(at(absolute))) {
            return s.count();
        } catch (IOException e) {
            return 0;
        }
    }
}
