package org.dma4j.mem;

/** Run by PagemapTest in a child JVM without CAP_SYS_ADMIN and CAP_IPC_LOCK; prints what each attempt said. */
public final class PrivilegeProbe {
    private PrivilegeProbe() {}

    public static void main(String[] args) {
        try (DmaBuffer b = DmaBuffer.allocate(1 << 20)) {
            System.out.println("ALLOCATED " + b);
        } catch (MemlockLimitException e) {
            System.out.println("MEMLOCK " + e.getMessage());
        }
        try (DmaBuffer b = DmaBuffer.allocateForIommu(1 << 20)) {
            System.out.println("FOR-IOMMU " + org.dma4j.linux.Syscalls.Rlimit.describe(b.byteSize()) + ", "
                    + java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).stream()
                            .filter(l -> l.startsWith("VmLck:"))
                            .findFirst()
                            .orElseThrow()
                            .replaceAll("\\s+", " "));
        } catch (java.io.IOException | RuntimeException e) {
            System.out.println("FOR-IOMMU failed: " + e);
        }
        try (DmaBuffer b = DmaBuffer.allocate(4096);
                Pagemap p = Pagemap.open()) {
            System.out.println("RESOLVED " + p.resolve(b.segment()));
        } catch (PagemapException e) {
            System.out.println("PAGEMAP " + e.getMessage());
        }
    }
}
