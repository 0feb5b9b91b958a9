package org.dma4j.nvme.spec;

import static org.dma4j.nvme.spec.Layouts.at;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The 8-byte protection information tuple with a 16-bit guard (NVM Command Set Specification
 * 1.0, figure "16b Guard Protection Information Format"), big-endian as it is on the medium:
 * guard (CRC-16 T10-DIF), application tag, reference tag. It is the first or the last 8 bytes of
 * a block's metadata (Identify Namespace DPS); accessors take the metadata and the tuple's byte
 * offset in it, at any alignment.
 */
public final class PiTuple {
    private PiTuple() {}

    public static final int SIZE = 8;

    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    public static final StructLayout LAYOUT =
            Layouts.struct("pi_tuple", SIZE, at(0, "guard", BE16), at(2, "appTag", BE16), at(4, "refTag", BE32));

    private static final VarHandle GUARD = Layouts.handle(LAYOUT, "guard");
    private static final VarHandle APP_TAG = Layouts.handle(LAYOUT, "appTag");
    private static final VarHandle REF_TAG = Layouts.handle(LAYOUT, "refTag");

    public static int guard(MemorySegment md, long offset) {
        return Short.toUnsignedInt((short) GUARD.get(md, offset));
    }

    public static int appTag(MemorySegment md, long offset) {
        return Short.toUnsignedInt((short) APP_TAG.get(md, offset));
    }

    public static int refTag(MemorySegment md, long offset) {
        return (int) REF_TAG.get(md, offset);
    }

    public static void set(MemorySegment md, long offset, int guard, int appTag, int refTag) {
        GUARD.set(md, offset, (short) guard);
        APP_TAG.set(md, offset, (short) appTag);
        REF_TAG.set(md, offset, refTag);
    }
}
