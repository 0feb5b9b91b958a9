package org.dma4j.nvme.spec;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A PRP list (NVMe Base Specification 2.0, section "Physical Region Page Entry and List"): a page
 * of 8-byte PRP entries, each the address of a memory page (offset 0 in every entry but PRP1);
 * the last entry of a full list page points to the next list page instead. Accessors take the
 * segment, the list's byte offset in it and an entry index.
 */
public final class PrpList {
    private PrpList() {}

    /** Bytes per PRP entry. */
    public static final int ENTRY_SIZE = 8;

    /** One 4 KiB list page: 512 entries. */
    public static final SequenceLayout PAGE_4K = MemoryLayout.sequenceLayout(4096 / ENTRY_SIZE, ValueLayout.JAVA_LONG)
            .withName("prp_list");

    /** One entry at a time: the segment need not hold a whole list page (a controller reads one entry). */
    private static final VarHandle ENTRY = ValueLayout.JAVA_LONG.arrayElementVarHandle();

    /** Entry {@code i} of the list at {@code offset}. */
    public static long entry(MemorySegment s, long offset, long i) {
        return (long) ENTRY.get(s, offset, i);
    }

    /** Sets entry {@code i} of the list at {@code offset} to {@code address}. */
    public static void setEntry(MemorySegment s, long offset, long i, long address) {
        ENTRY.set(s, offset, i, address);
    }

    /** Entries in one list page of {@code pageSize} bytes. */
    public static long entriesPerPage(long pageSize) {
        return pageSize / ENTRY_SIZE;
    }
}
