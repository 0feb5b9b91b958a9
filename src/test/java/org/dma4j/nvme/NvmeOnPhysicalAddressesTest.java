package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Random;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.mem.Hugepages;
import org.junit.jupiter.api.Test;

/**
 * The driver where the device sees physical addresses (no-IOMMU): its queues and PRP list
 * pages live in hugepages, and no mapping spans two of them. A queue of 1024 entries has 1023
 * PRP list pages (about 4 MiB, three hugepages); every one of them is used here.
 */
class NvmeOnPhysicalAddressesTest {
    @SuppressWarnings("try") // the hugepage reservation h is held for its scope
    @Test
    void queuesAndEveryPrpListPageInsideHugepages() {
        try (Hugepages h = Hugepages.reserve(8)) {
            FaultyDevice d = new FaultyDevice(true);
            try (NvmeController c = NvmeController.open(d, Duration.ofSeconds(5), 32, 2);
                    IoQueue q = c.createIoQueue(1024);
                    DmaBuffer b = d.dmaSpace().allocate(64 * 1024);
                    DmaMapping m = d.dmaSpace().map(b, DmaDirection.BIDIRECTIONAL)) {
                Namespace ns = c.namespace(1);
                int blocks = 16 * 1024 / ns.blockSize() + 1; // five pages from offset 512: a PRP list
                byte[] data = new byte[blocks * ns.blockSize()];
                new Random(3).nextBytes(data);
                b.segment().asSlice(512, data.length).copyFrom(MemorySegment.ofArray(data));
                int[] cids = new int[1023];
                for (int i = 0; i < cids.length; i++) { // every command identifier, so every PRP list page
                    cids[i] = q.submitWrite(ns, (long) i * blocks, blocks, m, 512);
                    assertTrue(cids[i] >= 0);
                }
                int done = 0;
                while (done < cids.length) {
                    done += q.poll();
                }
                for (int cid : cids) {
                    q.finish(cid);
                }
                b.segment().fill((byte) 0);
                q.read(ns, 1022L * blocks, blocks, m, 1024);
                assertArrayEquals(data, b.segment().asSlice(1024, data.length).toArray(ValueLayout.JAVA_BYTE));
                assertTrue(
                        d.fakeSpace.mappings().size() > 8, "PRP pages mapped per hugepage: " + d.fakeSpace.mappings());
            }
            assertEquals(0, d.fakeSpace.mappings().size());
            assertEquals(0, d.openBuffers());
            d.close();
            assertTrue(d.fakeSpace.faults().isEmpty(), d.fakeSpace.faults().toString());
        }
    }
}
