package org.dma4j.nvme.spec;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Struct layouts written as the specification's tables are: a byte offset and a field per row, gaps padded. */
final class Layouts {
    private Layouts() {}

    /** One row of a specification table: the field's byte offset and its layout (named). */
    record Field(long offset, MemoryLayout layout) {}

    static Field at(long offset, String name, MemoryLayout layout) {
        return new Field(offset, layout.withName(name));
    }

    /** ASCII text of {@code length} bytes (serial number, model, firmware revision), space padded. */
    static Field ascii(long offset, String name, long length) {
        return at(offset, name, MemoryLayout.sequenceLayout(length, ValueLayout.JAVA_BYTE));
    }

    /**
     * A struct of {@code size} bytes with {@code fields} at their offsets, in increasing order;
     * the bytes between them (reserved, or not modelled) are padding.
     */
    static StructLayout struct(String name, long size, Field... fields) {
        List<MemoryLayout> members = new ArrayList<>();
        long pos = 0;
        for (Field f : fields) {
            if (f.offset() < pos) {
                throw new IllegalArgumentException(
                        name + "." + f.layout().name().orElseThrow() + " at " + f.offset()
                                + " overlaps the field before it (ends at " + pos + ")");
            }
            if (f.offset() > pos) {
                members.add(MemoryLayout.paddingLayout(f.offset() - pos));
            }
            members.add(f.layout());
            pos = f.offset() + f.layout().byteSize();
        }
        if (pos > size) {
            throw new IllegalArgumentException(name + " fields end at " + pos + ", past its " + size + " bytes");
        }
        if (pos < size) {
            members.add(MemoryLayout.paddingLayout(size - pos));
        }
        return MemoryLayout.structLayout(members.toArray(MemoryLayout[]::new)).withName(name);
    }

    /** The var handle of {@code field}; coordinates (MemorySegment, long base offset). */
    static VarHandle handle(MemoryLayout layout, String field) {
        return layout.varHandle(MemoryLayout.PathElement.groupElement(field));
    }

    static long offset(MemoryLayout layout, String field) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    static long size(MemoryLayout layout, String field) {
        return layout.select(MemoryLayout.PathElement.groupElement(field)).byteSize();
    }

    /** Reads an ASCII field, trailing (and leading) spaces and NULs removed. */
    static String getAscii(MemorySegment s, long base, MemoryLayout layout, String field) {
        byte[] b = s.asSlice(base + offset(layout, field), size(layout, field)).toArray(ValueLayout.JAVA_BYTE);
        return new String(b, StandardCharsets.US_ASCII).replace('\0', ' ').trim();
    }

    /** Writes an ASCII field, padded with spaces as the specification asks; longer text is cut. */
    static void setAscii(MemorySegment s, long base, MemoryLayout layout, String field, String text) {
        long length = size(layout, field);
        long at = base + offset(layout, field);
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        for (long i = 0; i < length; i++) {
            s.set(ValueLayout.JAVA_BYTE, at + i, i < b.length ? b[(int) i] : (byte) ' ');
        }
    }
}
