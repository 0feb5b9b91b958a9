package org.dma4j.pci;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A 32-bit register write then read (a doorbell, then a status register) through the BAR
 * segment ({@link MmioBar}: bounds and alignment check, release store, acquire load) against the
 * same accesses on a plain memory segment, twin of tools/bench/c/mmio.c. The host has no device,
 * so the "BAR" is ordinary memory here: this measures dma4j's layer, not the PCIe round trip
 * (which costs ~1 us per read on hardware, dwarfing both).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MmioBench {
    private static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();

    private Arena arena;
    private MemorySegment memory;
    private Bar bar;
    private int value;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        memory = arena.allocate(0x4000, 4096);
        bar = new MmioBar(0, memory);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public int bar() {
        bar.write32(0x1000, ++value);
        return bar.read32(0x1c);
    }

    @Benchmark
    public int segment() {
        U32.setRelease(memory, 0x1000L, ++value);
        return (int) U32.getAcquire(memory, 0x1cL);
    }

    @Benchmark
    public int plain() {
        memory.set(ValueLayout.JAVA_INT, 0x1000, ++value);
        return memory.get(ValueLayout.JAVA_INT, 0x1c);
    }
}
