package org.dma4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dma4j.PageSize;
import org.dma4j.PhysAddr;
import org.dma4j.linux.Syscalls;
import org.dma4j.mem.Pagemap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link Pagemap#resolvePages} of 1, 512 and 262144 4 KiB pages, twin of tools/bench/c/pagemap.c.
 * The memory is an anonymous private mapping read once per page, so every page is the shared
 * zero page: present, with a real frame number, and 1 GiB of it costs only page tables. Needs
 * root (CAP_SYS_ADMIN) for the frame numbers.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PagemapBench {
    @Param({"1", "512", "262144"})
    public int pages;

    private Arena arena;
    private MemorySegment memory;
    private Pagemap pagemap;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        // PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS
        memory = Syscalls.mmap(pages * 4096L, 0x3, 0x22, -1, 0, arena, "pagemap benchmark memory");
        long sum = 0;
        for (long p = 0; p < pages; p++) {
            sum += memory.get(ValueLayout.JAVA_BYTE, p * 4096); // maps the zero page
        }
        if (sum != 0) {
            throw new IllegalStateException("anonymous memory is not zero");
        }
        pagemap = Pagemap.open();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pagemap.close();
        arena.close();
    }

    @Benchmark
    public long resolve() {
        List<PhysAddr> frames = pagemap.resolvePages(memory, PageSize.SIZE_4K);
        return frames.get(frames.size() - 1).value();
    }
}
