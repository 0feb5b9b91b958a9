package org.dma4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
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
 * Fake IOMMU map + unmap (IOVA allocation included) of one buffer range while {@code live}
 * mappings of the same buffer stay mapped: must not grow with {@code live}. Every mapping is of
 * the same 2 MiB buffer (an IOMMU may map one page at many IOVAs), so 60000 live 2 MiB mappings
 * cost no memory. One mapping in two of the first ones is unmapped again, so the free IOVA space
 * is fragmented as in a long-running process.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MapBench {
    @Param({"10", "1000", "60000"})
    public int live;

    @Param({"4096", "2097152"})
    public long size;

    private FakeDmaSpace space;
    private DmaBuffer buf;
    private final List<DmaMapping> mappings = new ArrayList<>();

    @Setup(Level.Trial)
    public void setup() {
        space = FakeDmaSpace.open();
        buf = space.allocate(2L << 20);
        for (int i = 0; i < live; i++) {
            mappings.add(space.map(buf, 0, (i & 1) == 0 ? 4096 : size, DmaDirection.BIDIRECTIONAL, null));
        }
        for (int i = 0; i < live; i += 2) { // leave 4 KiB holes between the live mappings
            mappings.get(i).close();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        space.unmapAll();
        buf.close();
        space.close();
    }

    @Benchmark
    public long mapUnmap() {
        DmaMapping m = space.map(buf, 0, size, DmaDirection.BIDIRECTIONAL, null);
        long iova = m.iova().value();
        space.unmap(m);
        return iova;
    }
}
