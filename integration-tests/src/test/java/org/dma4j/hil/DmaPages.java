package org.dma4j.hil;

import static org.dma4j.linux.gen.libc.libc_h.MAP_ANONYMOUS;
import static org.dma4j.linux.gen.libc.libc_h.MAP_HUGETLB;
import static org.dma4j.linux.gen.libc.libc_h.MAP_POPULATE;
import static org.dma4j.linux.gen.libc.libc_h.MAP_PRIVATE;
import static org.dma4j.linux.gen.libc.libc_h.O_RDONLY;
import static org.dma4j.linux.gen.libc.libc_h.PROT_READ;
import static org.dma4j.linux.gen.libc.libc_h.PROT_WRITE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Syscalls;

/**
 * Page-aligned, locked anonymous memory for the raw guest tests (the mem layer replaces it),
 * with physical addresses from /proc/self/pagemap for the no-IOMMU variant. Closing unmaps.
 */
final class DmaPages implements AutoCloseable {
    static final long PAGE = 4096;
    private final Arena arena;
    final MemorySegment memory;

    DmaPages(int pages) {
        arena = Arena.ofShared();
        memory = Syscalls.mmap(
                pages * PAGE,
                PROT_READ() | PROT_WRITE(),
                MAP_PRIVATE() | MAP_ANONYMOUS(),
                -1,
                0,
                arena,
                pages + " DMA pages");
        memory.fill((byte) 0); // fault every page in before it is locked and resolved
        Syscalls.mlock(memory);
    }

    private DmaPages(Arena arena, MemorySegment memory) {
        this.arena = arena;
        this.memory = memory;
    }

    /**
     * {@code pages} 4 KiB pages at the start of one 2 MiB hugepage: for no-IOMMU, where the device
     * keeps using the physical address read once, and a locked 4 KiB page may be migrated.
     */
    static DmaPages inHugepage(int pages) {
        Arena a = Arena.ofShared();
        try {
            MemorySegment m = Syscalls.mmap(
                    2 << 20,
                    PROT_READ() | PROT_WRITE(),
                    MAP_PRIVATE() | MAP_ANONYMOUS() | MAP_HUGETLB() | MAP_POPULATE(),
                    -1,
                    0,
                    a,
                    "a 2 MiB hugepage");
            return new DmaPages(a, m.asSlice(0, pages * PAGE));
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
    }

    MemorySegment page(int i) {
        return memory.asSlice(i * PAGE, PAGE);
    }

    /** The physical address of page {@code i} (root only: PFNs read as 0 otherwise). */
    long physical(int i) {
        try (Fd pagemap = Fd.open("/proc/self/pagemap", O_RDONLY());
                Arena a = Arena.ofConfined()) {
            MemorySegment e = a.allocate(8);
            pagemap.pread(e, page(i).address() / PAGE * 8);
            long entry = e.get(ValueLayout.JAVA_LONG, 0);
            if (entry >= 0) { // bit 63: present
                throw new IllegalStateException("page " + i + " is not present");
            }
            long pfn = entry & ((1L << 55) - 1);
            if (pfn == 0) {
                throw new IllegalStateException("PFN reads as 0: not root?");
            }
            return pfn * PAGE;
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
