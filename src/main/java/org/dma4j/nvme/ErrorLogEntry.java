package org.dma4j.nvme;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** One entry of the Error Information log page (LID 01h). */
public record ErrorLogEntry(long errorCount, int sqid, int cid, NvmeStatus status, long lba, int nsid) {
    static ErrorLogEntry parse(MemorySegment e) {
        int statusField = Short.toUnsignedInt(e.get(ValueLayout.JAVA_SHORT, 12)) >>> 1;
        return new ErrorLogEntry(e.get(ValueLayout.JAVA_LONG, 0), Short.toUnsignedInt(e.get(ValueLayout.JAVA_SHORT, 8)),
                Short.toUnsignedInt(e.get(ValueLayout.JAVA_SHORT, 10)), NvmeStatus.of(statusField),
                e.get(ValueLayout.JAVA_LONG, 16), e.get(ValueLayout.JAVA_INT, 24));
    }
}
