package org.dma4j.nvme;

import java.lang.foreign.MemorySegment;
import org.dma4j.nvme.spec.ErrorLogPage;

/** One entry of the Error Information log page (LID 01h). */
public record ErrorLogEntry(long errorCount, int sqid, int cid, NvmeStatus status, long lba, int nsid) {
    /** Entry {@code i} of the Error Information log page {@code log}. */
    static ErrorLogEntry parse(MemorySegment log, int i) {
        return new ErrorLogEntry(
                ErrorLogPage.errorCount(log, i),
                ErrorLogPage.sqId(log, i),
                ErrorLogPage.cid(log, i),
                NvmeStatus.of(ErrorLogPage.status(log, i)),
                ErrorLogPage.lba(log, i),
                ErrorLogPage.nsid(log, i));
    }
}
