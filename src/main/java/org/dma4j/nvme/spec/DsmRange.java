package org.dma4j.nvme.spec;

import static org.dma4j.nvme.spec.Layouts.at;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One range of Dataset Management, 16 bytes (NVM Command Set Specification 1.0, figure "Dataset
 * Management - Range Definition"): context attributes, length in logical blocks, starting LBA.
 * Accessors take the range list and a range index.
 */
public final class DsmRange {
    private DsmRange() {}

    public static final int SIZE = 16;

    public static final StructLayout LAYOUT = Layouts.struct(
            "dsm_range",
            SIZE,
            at(0, "contextAttributes", ValueLayout.JAVA_INT),
            at(4, "length", ValueLayout.JAVA_INT),
            at(8, "slba", ValueLayout.JAVA_LONG));

    private static final VarHandle ATTRIBUTES = Layouts.handle(LAYOUT, "contextAttributes");
    private static final VarHandle LENGTH = Layouts.handle(LAYOUT, "length");
    private static final VarHandle SLBA = Layouts.handle(LAYOUT, "slba");

    /** Writes range {@code i}: {@code blocks} logical blocks from {@code slba}, no context attributes. */
    public static void set(MemorySegment ranges, int i, long slba, int blocks) {
        ATTRIBUTES.set(ranges, (long) i * SIZE, 0);
        LENGTH.set(ranges, (long) i * SIZE, blocks);
        SLBA.set(ranges, (long) i * SIZE, slba);
    }

    /** The length of range {@code i} in logical blocks (unsigned). */
    public static long length(MemorySegment ranges, int i) {
        return Integer.toUnsignedLong((int) LENGTH.get(ranges, (long) i * SIZE));
    }

    public static long slba(MemorySegment ranges, int i) {
        return (long) SLBA.get(ranges, (long) i * SIZE);
    }

    public static int contextAttributes(MemorySegment ranges, int i) {
        return (int) ATTRIBUTES.get(ranges, (long) i * SIZE);
    }
}
