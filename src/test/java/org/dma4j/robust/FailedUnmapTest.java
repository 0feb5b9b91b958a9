package org.dma4j.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dma4j.Dma4jException;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.junit.jupiter.api.Test;

/**
 * An unmap the kernel refuses (found by fail_nth on type1 in the guest: VmLck grew by the
 * mapping's size): the IOMMU still maps and pins the memory, so the space must keep the mapping
 * live and its IOVA taken, and release it on a later unmap or at close.
 */
class FailedUnmapTest {
    @Test
    void aFailedUnmapKeepsTheMappingLiveAndItsIovaTaken() {
        try (FakeDmaSpace space =
                        FakeDmaSpace.open(FakeDmaSpace.Config.defaults().withMode(FakeDmaSpace.Mode.RECORD));
                DmaBuffer b = space.allocate(4096);
                DmaBuffer other = space.allocate(4096)) {
            DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL);
            space.failUnmaps(1);
            assertThrows(Dma4jException.class, () -> space.unmap(m));
            assertTrue(m.isLive(), "the IOMMU still maps it");
            assertEquals(List.of(m), space.mappings());
            assertNotNull(space.translate(m.iova(), 4096, true), "a device can still reach it");
            try (DmaMapping next = space.map(other, DmaDirection.BIDIRECTIONAL)) { // must not get the still-mapped IOVA
                assertNotEquals(m.iova(), next.iova());
            }
            space.unmap(m); // a retry releases it
            assertFalse(m.isLive());
            assertNull(space.translate(m.iova(), 4096, true), "gone from the IOMMU");
        }
    }

    @Test
    void closeGoesOnPastAFailedUnmapAndReportsIt() {
        FakeDmaSpace space = FakeDmaSpace.open(FakeDmaSpace.Config.defaults().withMode(FakeDmaSpace.Mode.RECORD));
        try (DmaBuffer a = space.allocate(4096);
                DmaBuffer b = space.allocate(4096)) {
            DmaMapping ma = space.map(a, DmaDirection.BIDIRECTIONAL);
            DmaMapping mb = space.map(b, DmaDirection.BIDIRECTIONAL);
            space.failUnmaps(1);
            Dma4jException e = assertThrows(Dma4jException.class, space::close);
            assertTrue(e.getMessage().contains("injected"), e.getMessage());
            assertFalse(space.isOpen());
            assertTrue(!ma.isLive() || !mb.isLive(), "the other mapping was unmapped although the first failed");
        }
    }
}
