package org.dma4j.mem;

import static org.dma4j.linux.gen.libc.libc_h.MADV_DONTFORK;
import static org.dma4j.linux.gen.libc.libc_h.MAP_ANONYMOUS;
import static org.dma4j.linux.gen.libc.libc_h.MAP_HUGETLB;
import static org.dma4j.linux.gen.libc.libc_h.MAP_HUGE_SHIFT;
import static org.dma4j.linux.gen.libc.libc_h.MAP_POPULATE;
import static org.dma4j.linux.gen.libc.libc_h.MAP_PRIVATE;
import static org.dma4j.linux.gen.libc.libc_h.PROT_READ;
import static org.dma4j.linux.gen.libc.libc_h.PROT_WRITE;
import static org.dma4j.linux.gen.libc.libc_h.RLIMIT_MEMLOCK;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.dma4j.AlreadyClosedException;
import org.dma4j.ErrnoException;
import org.dma4j.MemoryKind;
import org.dma4j.PageSize;
import org.dma4j.linux.Syscalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Memory a device may DMA to: page-aligned, resident, excluded from {@code fork}, zero-filled,
 * and labelled with its {@link MemoryKind}, page size and {@link Pinning} (what keeps it in
 * place: hugetlb pages, {@code mlock}, or the IOMMU mapping that will pin it). Or a device's
 * MMIO region wrapped as such, for peer-to-peer; dma4j never pins or frees that.
 *
 * <p>Locked is not pinned: {@code mlock} keeps a 4 KiB page in RAM but compaction may still
 * move it to another frame ({@code vm.compact_unevictable_allowed=1}, the default). That is
 * harmless behind an IOMMU, which pins what it maps, but a device that sees physical addresses
 * (VFIO's no-IOMMU mode) needs hugepages, which the kernel does not move.
 *
 * <p>Who closes it: whoever allocated it ({@code DmaBuffer.allocate} or {@code space.allocate}),
 * after the mappings of it; closing frees the memory. Closing it while it is still mapped is
 * safe: close hooks ({@link #onClose}) run first, and through them each DMA space unmaps the
 * buffer's mappings before the memory goes, so no device can DMA into freed memory (a space
 * logs it; the fake reports it as {@code BUFFER_CLOSED_WHILE_MAPPED}, since a driver that still
 * had the device use it has a bug). Closing twice is harmless; {@link #segment()} after close
 * throws. The segment may be used from any thread; close from one.
 */
public final class DmaBuffer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DmaBuffer.class);

    private final Arena arena;
    private final MemorySegment segment;
    private final MemoryKind kind;
    private final PageSize pageSize;
    private final Pinning pinning;
    private final String name;
    /** Guarded by itself: a set, so that adding and removing a hook (one per mapping) costs the same with 60000 of them. */
    private final Set<Runnable> closeHooks = new LinkedHashSet<>();

    private volatile boolean closed;

    /** What keeps a buffer's memory resident and in place. */
    public enum Pinning {
        /** hugetlb pages: never swapped, and not moved by compaction. */
        HUGETLB,
        /** 4 KiB pages locked with {@code mlock}, counted in VmLck: resident, but compaction may move them. */
        MLOCK,
        /**
         * 4 KiB pages faulted in ({@code MAP_POPULATE}) but not locked: the IOMMU backend's map pins
         * them (type1 and iommufd charge RLIMIT_MEMLOCK for that once), so mlock would charge twice.
         */
        IOMMU,
        /** Not dma4j's to pin: a device's MMIO region, which the caller keeps mapped. */
        CALLER
    }

    private DmaBuffer(
            Arena arena, MemorySegment segment, MemoryKind kind, PageSize pageSize, Pinning pinning, String name) {
        this.arena = arena;
        this.segment = segment;
        this.kind = kind;
        this.pageSize = pageSize;
        this.pinning = pinning;
        this.name = name;
    }

    /**
     * {@code bytes} (rounded up to 4 KiB pages) of locked RAM, for callers who want it resident
     * without an IOMMU's help. A driver should ask its {@code DmaSpace.allocate} instead, which
     * returns what that backend can map safely.
     */
    public static DmaBuffer allocate(long bytes) {
        return allocate(bytes, PageSize.SIZE_4K);
    }

    /**
     * {@code bytes} rounded up to {@code pageSize} pages: hugetlb pages for 2 MiB and 1 GiB,
     * locked 4 KiB pages otherwise. Throws {@link HugepagesUnavailableException} when no
     * hugepages of that size are free and {@link MemlockLimitException} when RLIMIT_MEMLOCK
     * does not cover a 4 KiB allocation.
     */
    public static DmaBuffer allocate(long bytes, PageSize pageSize) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a DMA buffer needs a positive size, not " + bytes);
        }
        long size = pageSize.alignUp(bytes);
        return pageSize.isHuge() ? hugetlb(size, pageSize) : locked(size);
    }

    /**
     * {@code bytes} (rounded up to 4 KiB pages) of RAM for a DMA space with an IOMMU, which pins
     * what it maps: faulted in, excluded from fork, but not mlocked, so that RLIMIT_MEMLOCK is
     * charged once (by the IOMMU map) rather than twice. Until it is mapped the kernel may swap
     * or move it; the IOMMU map pins it where it is then. This is what
     * {@code DmaSpace.allocate} returns on type1 and iommufd; RLIMIT_MEMLOCK is checked by the map.
     */
    public static DmaBuffer allocateForIommu(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a DMA buffer needs a positive size, not " + bytes);
        }
        long size = PageSize.SIZE_4K.alignUp(bytes);
        Arena arena = Arena.ofShared();
        try {
            // MAP_POPULATE write-faults a private writable mapping: real zeroed pages, not the shared zero page.
            MemorySegment m = Syscalls.mmap(
                    size,
                    PROT_READ() | PROT_WRITE(),
                    MAP_PRIVATE() | MAP_ANONYMOUS() | MAP_POPULATE(),
                    -1,
                    0,
                    arena,
                    "a 4 KiB page buffer for an IOMMU");
            Syscalls.madvise(m, MADV_DONTFORK(), "MADV_DONTFORK");
            return new DmaBuffer(
                    arena, m, MemoryKind.RAM, PageSize.SIZE_4K, Pinning.IOMMU, "4 KiB pages pinned by the IOMMU");
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Like {@link #allocate(long, PageSize)}, but falls back to locked 4 KiB pages when no hugepages are free. */
    public static DmaBuffer allocatePreferring(long bytes, PageSize preferred) {
        if (!preferred.isHuge()) {
            return allocate(bytes);
        }
        try {
            return allocate(bytes, preferred);
        } catch (HugepagesUnavailableException e) {
            LOG.info("{}; using locked 4 KiB pages instead", e.getMessage());
            return allocate(bytes);
        }
    }

    /**
     * Wraps a device's MMIO region (a BAR mmap) as a buffer of kind {@link MemoryKind#MMIO}, for
     * peer-to-peer DMA. The caller keeps owning the mapping; closing this buffer only runs its hooks.
     */
    public static DmaBuffer ofMmio(MemorySegment mmio, String name) {
        return new DmaBuffer(null, mmio, MemoryKind.MMIO, PageSize.SIZE_4K, Pinning.CALLER, name);
    }

    private static DmaBuffer hugetlb(long size, PageSize pageSize) {
        Arena arena = Arena.ofShared();
        try {
            int flags = MAP_PRIVATE()
                    | MAP_ANONYMOUS()
                    | MAP_HUGETLB()
                    | MAP_POPULATE()
                    | pageSize.shift() << MAP_HUGE_SHIFT();
            MemorySegment m = Syscalls.mmap(
                    size, PROT_READ() | PROT_WRITE(), flags, -1, 0, arena, "a " + pageSize + " hugepage buffer");
            Syscalls.madvise(m, MADV_DONTFORK(), "MADV_DONTFORK");
            return new DmaBuffer(arena, m, MemoryKind.HUGEPAGE_RAM, pageSize, Pinning.HUGETLB, pageSize + " hugepages");
        } catch (ErrnoException e) {
            arena.close();
            throw new HugepagesUnavailableException(hugepageAdvice(size, pageSize), e);
        }
    }

    private static String hugepageAdvice(long size, PageSize pageSize) {
        Path dir = Path.of("/sys/kernel/mm/hugepages", pageSize.sysfsName());
        String free;
        long pages = size / pageSize.bytes();
        long more = pages;
        long target = pages;
        try {
            long nr =
                    Long.parseLong(Files.readString(dir.resolve("nr_hugepages")).trim());
            long f = Long.parseLong(
                    Files.readString(dir.resolve("free_hugepages")).trim());
            free = f + " of " + nr + " " + pageSize + " hugepages are free";
            more = Math.max(1, pages - f);
            target = nr + more;
        } catch (IOException | NumberFormatException e) {
            free = "this kernel offers no " + pageSize + " hugepages";
        }
        String sz = pageSize == PageSize.SIZE_1G ? "1G" : "2M";
        return "allocating " + Syscalls.Rlimit.describe(size) + " of " + pageSize + " hugepages failed: " + free
                + "; reserve " + more + " more with: echo " + target + " > " + dir.resolve("nr_hugepages")
                + " (as root), or boot with hugepagesz=" + sz + " hugepages=" + target + " on the kernel command line";
    }

    private static DmaBuffer locked(long size) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment m = Syscalls.mmap(
                    size,
                    PROT_READ() | PROT_WRITE(),
                    MAP_PRIVATE() | MAP_ANONYMOUS(),
                    -1,
                    0,
                    arena,
                    "a 4 KiB page buffer");
            Syscalls.madvise(m, MADV_DONTFORK(), "MADV_DONTFORK");
            try {
                Syscalls.mlock(m);
            } catch (ErrnoException e) {
                Syscalls.Rlimit l = Syscalls.getrlimit(RLIMIT_MEMLOCK());
                throw new MemlockLimitException(
                        "pinning " + Syscalls.Rlimit.describe(size) + " failed: RLIMIT_MEMLOCK is "
                                + l.describeCurrent() + " and " + lockedNow()
                                + " is locked already; raise it (ulimit -l,"
                                + " LimitMEMLOCK= for a service) or run with CAP_IPC_LOCK",
                        size,
                        l.current(),
                        e);
            }
            return new DmaBuffer(arena, m, MemoryKind.RAM, PageSize.SIZE_4K, Pinning.MLOCK, "4 KiB pages");
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** VmLck of this process, in words. */
    private static String lockedNow() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("VmLck:"))
                    .map(l -> l.substring(6).trim())
                    .findFirst()
                    .orElse("an unknown amount");
        } catch (IOException e) {
            return "an unknown amount";
        }
    }

    /** The memory. Throws {@link AlreadyClosedException} after close. */
    public MemorySegment segment() {
        if (closed) {
            throw new AlreadyClosedException(toString());
        }
        return segment;
    }

    public long byteSize() {
        return segment.byteSize();
    }

    public MemoryKind kind() {
        return kind;
    }

    public PageSize pageSize() {
        return pageSize;
    }

    /** What keeps the memory in place (see {@link Pinning}). */
    public Pinning pinning() {
        return pinning;
    }

    public boolean isOpen() {
        return !closed;
    }

    /**
     * Runs {@code hook} when this buffer closes, before its memory goes; returns what removes
     * the hook again. A hook added to a closed buffer throws {@link AlreadyClosedException}.
     */
    public Runnable onClose(Runnable hook) {
        if (closed) {
            throw new AlreadyClosedException(toString());
        }
        synchronized (closeHooks) {
            closeHooks.add(hook);
        }
        return () -> {
            synchronized (closeHooks) {
                closeHooks.remove(hook);
            }
        };
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        List<RuntimeException> failures = new ArrayList<>();
        List<Runnable> hooks;
        synchronized (closeHooks) { // run outside the lock: a hook takes its DMA space's lock, which maps under it
            hooks = List.copyOf(closeHooks);
        }
        for (Runnable hook : hooks) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        closed = true;
        synchronized (closeHooks) {
            closeHooks.clear();
        }
        if (arena != null) {
            arena.close();
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    /**
     * Closes every buffer of {@code buffers} that is not null, each even when an earlier one
     * failed; the first failure is thrown with the rest suppressed into it.
     */
    public static void closeAll(DmaBuffer... buffers) {
        RuntimeException first = null;
        for (DmaBuffer b : buffers) {
            try {
                if (b != null) {
                    b.close();
                }
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "DmaBuffer[" + Syscalls.Rlimit.describe(segment.byteSize()) + " of " + name + ", " + kind + " at 0x"
                + Long.toHexString(segment.address()) + (closed ? ", closed" : "") + "]";
    }
}
