package org.dma4j.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dma4j.PageSize;
import org.dma4j.mem.DmaBuffer;
import org.junit.jupiter.api.Test;

class FakeMemoryTest {
    @Test
    void contiguousAndFragmentedPhysicalMemory() {
        try (DmaBuffer b = DmaBuffer.allocate(4 * 4096)) {
            FakeMemory plain = new FakeMemory(false);
            assertTrue(plain.isContiguous(b.segment(), PageSize.SIZE_4K));
            assertEquals(4, plain.pagesResolved());
            assertEquals(
                    plain.resolvePages(b.segment(), PageSize.SIZE_4K).get(1).plus(100),
                    plain.resolve(b.segment().asSlice(4096 + 100)),
                    "a byte resolves within its page");
            FakeMemory holes = new FakeMemory(true);
            assertFalse(holes.isContiguous(b.segment(), PageSize.SIZE_4K));
            assertEquals(
                    holes.resolvePages(b.segment(), PageSize.SIZE_4K),
                    holes.resolvePages(b.segment(), PageSize.SIZE_4K),
                    "a page keeps its frame");
        }
    }
}
