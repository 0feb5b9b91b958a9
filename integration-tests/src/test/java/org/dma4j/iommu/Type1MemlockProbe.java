package org.dma4j.iommu;

import org.dma4j.mem.DmaBuffer;

/**
 * Run by Type1SpaceContractTest in a child JVM without CAP_IPC_LOCK and with a small
 * RLIMIT_MEMLOCK, as a non-root user runs: maps {@code bytes} (more than half the limit) of
 * mlocked memory, then of {@code space.allocate} memory, and prints how each went.
 */
public final class Type1MemlockProbe {
    private Type1MemlockProbe() {}

    public static void main(String[] args) {
        int group = Integer.parseInt(args[0]);
        long bytes = Long.parseLong(args[1]);
        try (VfioType1Space space = VfioType1Space.open(group)) {
            try (DmaBuffer locked = DmaBuffer.allocate(bytes);
                    DmaMapping m = space.map(locked, DmaDirection.BIDIRECTIONAL)) {
                System.out.println("MLOCKED mapped " + m);
            } catch (RuntimeException e) {
                System.out.println("MLOCKED failed: " + e.getMessage());
            }
            try (DmaBuffer b = space.allocate(bytes);
                    DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
                System.out.println("ALLOCATED mapped " + m.length());
            } catch (RuntimeException e) {
                System.out.println("ALLOCATED failed: " + e.getMessage());
            }
        }
    }
}
