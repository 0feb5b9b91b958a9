package org.dma4j.mem;

import static org.dma4j.linux.gen.libc.libc_h.MAP_ANONYMOUS;
import static org.dma4j.linux.gen.libc.libc_h.MAP_PRIVATE;
import static org.dma4j.linux.gen.libc.libc_h.PROT_READ;
import static org.dma4j.linux.gen.libc.libc_h.PROT_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dma4j.PageSize;
import org.dma4j.PhysAddr;
import org.dma4j.linux.Syscalls;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class PagemapTest {
    static boolean root() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0"));
    }

    @Test
    void resolvesEveryPageOfABufferInOneGo() throws Exception {
        Assumptions.assumeTrue(root(), "physical addresses need CAP_SYS_ADMIN; run the tests as root");
        try (DmaBuffer b = DmaBuffer.allocate(64 * 4096);
                Pagemap p = Pagemap.open()) {
            List<PhysAddr> pages = p.resolvePages(b.segment(), PageSize.SIZE_4K);
            assertEquals(64, pages.size());
            assertEquals(64, new HashSet<>(pages).size(), "distinct frames");
            for (PhysAddr a : pages) {
                assertTrue(a.value() > 0 && a.value() % 4096 == 0, a.toString());
            }
            assertEquals(pages.get(3).plus(123), p.resolve(b.segment().asSlice(3 * 4096 + 123)));
            assertTrue(p.isContiguous(b.segment().asSlice(0, 4096), PageSize.SIZE_4K), "one page is contiguous");
        }
    }

    /**
     * Issue 12: resolving a batch reuses its pread buffer and keeps the frames as one long[]
     * until they are asked for, so 4096 pages cost ~8 bytes each, not a PhysAddr object each.
     * The memory is read once per page (every page is then the shared zero page: present, and free).
     */
    @Test
    void aBatchCostsAboutEightBytesPerPage() throws Exception {
        Assumptions.assumeTrue(root(), "physical addresses need CAP_SYS_ADMIN; run the tests as root");
        int pages = 4096;
        try (Arena a = Arena.ofConfined();
                Pagemap p = Pagemap.open()) {
            MemorySegment m = Syscalls.mmap(
                    pages * 4096L, PROT_READ() | PROT_WRITE(), MAP_PRIVATE() | MAP_ANONYMOUS(), -1, 0, a, "zero pages");
            for (long i = 0; i < pages; i++) {
                assertEquals(0, m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i * 4096));
            }
            var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            List<PhysAddr> frames = p.resolvePages(m, PageSize.SIZE_4K); // warm up
            long before = mx.getCurrentThreadAllocatedBytes();
            frames = p.resolvePages(m, PageSize.SIZE_4K);
            long bytes = mx.getCurrentThreadAllocatedBytes() - before;
            assertEquals(pages, frames.size());
            assertTrue(
                    frames.get(pages - 1).value() > 0 && frames.get(0).value() % 4096 == 0,
                    frames.get(0).toString());
            assertTrue(bytes < pages * 10L, bytes + " bytes for " + pages + " pages");
        }
    }

    /**
     * Issue 9 item 8: resolving never writes to memory (it may be a device's registers). A page
     * that was never faulted in is refused as not present, and stays not present.
     */
    @Test
    void aPageNotPresentIsRefusedAndLeftUntouched() {
        try (Arena a = Arena.ofConfined();
                Pagemap p = Pagemap.open()) {
            MemorySegment untouched = Syscalls.mmap(
                    4096,
                    PROT_READ() | PROT_WRITE(),
                    MAP_PRIVATE() | MAP_ANONYMOUS(),
                    -1,
                    0,
                    a,
                    "a page never touched");
            var e = assertThrows(PagemapException.class, () -> p.resolve(untouched));
            assertTrue(
                    e.getMessage()
                            .startsWith("page at 0x" + Long.toHexString(untouched.address())
                                    + " is not present in memory;"),
                    e.getMessage());
            assertThrows(
                    PagemapException.class,
                    () -> p.resolvePages(untouched, PageSize.SIZE_4K),
                    "still not present: not touched");
        }
    }

    /**
     * Without CAP_SYS_ADMIN, pagemap shows PFN 0 and without CAP_IPC_LOCK mlock obeys
     * RLIMIT_MEMLOCK: a child JVM runs PrivilegeProbe with both capabilities dropped and a
     * 64 KiB memlock limit, and must report each with its typed, explained error.
     */
    @Test
    void withoutCapabilitiesBothFailClearly() throws Exception {
        Assumptions.assumeTrue(
                root() && new File("/usr/bin/setpriv").canExecute() && new File("/usr/bin/prlimit").canExecute(),
                "needs root, setpriv and prlimit to drop capabilities for a child process");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        "/usr/bin/setpriv",
                        "--bounding-set=-sys_admin,-ipc_lock",
                        "--inh-caps=-sys_admin,-ipc_lock",
                        "--",
                        "/usr/bin/prlimit",
                        "--memlock=65536:65536",
                        "--",
                        java,
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        PrivilegeProbe.class.getName())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.contains("MEMLOCK pinning 1 MiB failed: RLIMIT_MEMLOCK is 64 KiB and "), out);
        assertTrue(out.contains("raise it (ulimit -l"), out);
        assertTrue(
                out.contains("FOR-IOMMU 1 MiB, VmLck: 0 kB"),
                "memory for an IOMMU is not charged to RLIMIT_MEMLOCK: " + out);
        assertTrue(
                out.contains(
                        "PAGEMAP physical addresses read as 0 from /proc/self/pagemap: reading them needs CAP_SYS_ADMIN"),
                out);
    }
}
