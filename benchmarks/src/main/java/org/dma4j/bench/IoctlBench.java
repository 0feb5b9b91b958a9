package org.dma4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;
import org.dma4j.linux.Fd;
import org.dma4j.linux.IoctlRequest;
import org.dma4j.linux.Syscalls;
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
 * A cheap ioctl, FIONREAD on an empty pipe, through {@link Syscalls#ioctl} (the raw layer, errno
 * captured) and through {@link Fd#ioctl} (the typed layer: closed check, name), twin of
 * tools/bench/c/ioctl.c. What is measured is the Java-to-kernel crossing, not the kernel's work.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IoctlBench {
    /** {@code FIONREAD} of {@code <asm-generic/ioctls.h>}. */
    static final IoctlRequest FIONREAD = new IoctlRequest("FIONREAD", 0x541B);

    private Arena arena;
    private MemorySegment count;
    private Fd read, write;
    private int raw;
    /** ioctl(int, unsigned long, void *) through the FFM linker with nothing of dma4j: the JDK's own crossing. */
    private MethodHandle bare;

    @Setup(Level.Trial)
    public void setup() throws Throwable {
        arena = Arena.ofConfined();
        MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
        Linker linker = Linker.nativeLinker();
        MethodHandle pipe = linker.downcallHandle(linker.defaultLookup().findOrThrow("pipe"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        if ((int) pipe.invokeExact(fds) != 0) {
            throw new IllegalStateException("pipe() failed");
        }
        read = Fd.adopt(fds.getAtIndex(ValueLayout.JAVA_INT, 0), "pipe (read end)");
        write = Fd.adopt(fds.getAtIndex(ValueLayout.JAVA_INT, 1), "pipe (write end)");
        raw = read.raw();
        count = arena.allocate(ValueLayout.JAVA_INT);
        bare = linker.downcallHandle(
                linker.defaultLookup().findOrThrow("ioctl"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                Linker.Option.firstVariadicArg(2)); // as Syscalls declares it: ioctl is variadic
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        read.close();
        write.close();
        arena.close();
    }

    @Benchmark
    public int syscalls() {
        Syscalls.ioctl(raw, "pipe", FIONREAD, count);
        return count.get(ValueLayout.JAVA_INT, 0);
    }

    /** The same call through a plain FFM downcall handle (no errno capture, no checks): what any Java pays. */
    @Benchmark
    public int bare() throws Throwable {
        int r = (int) bare.invokeExact(raw, (long) FIONREAD.number(), count);
        return r + count.get(ValueLayout.JAVA_INT, 0);
    }

    @Benchmark
    public int typed() {
        read.ioctl(FIONREAD, count);
        return count.get(ValueLayout.JAVA_INT, 0);
    }
}
