package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The layout of a queue pair's memory in a buffer that is contiguous only in runs (hugepages
 * where the device sees physical addresses): no queue and no mapping straddles a run boundary.
 */
class QueueMemoryTest {
    private static final long MIB2 = 2L << 20;

    @Test
    void aSmallQueuePairFitsOneHugepage() {
        QueueMemory.Layout l = QueueMemory.Layout.of(4096, 4096, 63, MIB2);
        assertEquals(0, l.sq());
        assertEquals(4096, l.cq());
        assertEquals(8192, l.spare());
        assertEquals(12288, l.prp());
        assertEquals(1, l.prpRuns().size(), "one mapping for the PRP pages");
        assertTrue(l.end() <= MIB2);
    }

    @Test
    void prpPagesBeyondOneHugepageAreMappedPerHugepage() {
        // 1024 entries: a 64 KiB SQ, a 16 KiB CQ and 1023 PRP pages, about 4 MiB.
        QueueMemory.Layout l = QueueMemory.Layout.of(65536, 16384, 1023, MIB2);
        long pages = 0;
        for (long[] run : l.prpRuns()) {
            long start = l.prp() + run[0] * 4096;
            long end = start + run[1] * 4096;
            assertEquals(start / MIB2, (end - 1) / MIB2, "a PRP run within one hugepage");
            pages += run[1];
        }
        assertEquals(1023, pages);
        assertEquals(3, l.prpRuns().size());
    }

    @Test
    void aQueueThatWouldStraddleMovesToTheNextHugepage() {
        QueueMemory.Layout l = QueueMemory.Layout.of(MIB2 - 4096, 8192, 1, MIB2);
        assertEquals(MIB2, l.cq(), "the CQ does not fit the rest of the first hugepage");
        var e = assertThrows(NvmeException.class, () -> QueueMemory.Layout.of(2 * MIB2, 4096, 1, MIB2));
        assertTrue(e.getMessage().contains("does not fit one 2097152-byte physically contiguous page"), e.getMessage());
    }

    @Test
    void withAnIommuEverythingIsOneRun() {
        QueueMemory.Layout l = QueueMemory.Layout.of(65536, 16384, 1023, Long.MAX_VALUE);
        assertEquals(1, l.prpRuns().size());
        assertEquals(65536 + 16384 + 4096 + 1023 * 4096L, l.end());
    }
}
