package org.dma4j.iommu;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dma4j.Iova;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link IovaAllocator} alone: allocate + free of one range with {@code live} ranges allocated,
 * one in two of them freed again (4 KiB holes below every other range), twin of the IOVA part of
 * tools/bench/c/iova.c. Must not grow with {@code live}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IovaBench {
    @Param({"10", "1000", "60000"})
    public int live;

    @Param({"4096", "2097152"})
    public long size;

    private IovaAllocator allocator;

    @Setup(Level.Trial)
    public void setup() {
        allocator = new IovaAllocator(List.of(IovaRange.of(0, (1L << 48) - 1)));
        Iova[] taken = new Iova[live];
        for (int i = 0; i < live; i++) {
            taken[i] = allocator.allocate((i & 1) == 0 ? 4096 : size, 4096);
        }
        for (int i = 0; i < live; i += 2) {
            allocator.free(taken[i], 4096);
        }
    }

    @Benchmark
    public long allocateFree() {
        Iova iova = allocator.allocate(size, 4096);
        allocator.free(iova, size);
        return iova.value();
    }
}
