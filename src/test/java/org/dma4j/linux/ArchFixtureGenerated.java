package org.dma4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.dma4j.linux.gen.iommufd.iommu_iova_range;
import org.dma4j.linux.gen.libc.libc_h;

/** Reaches restricted methods through generated code on purpose, for LayerRulesTest; never run. */
public final class ArchFixtureGenerated {
    static long pageSize() {
        return libc_h.sysconf(libc_h._SC_PAGESIZE()); // the holder class makes a downcall handle
    }

    static MemorySegment ranges(MemorySegment address, Arena arena) {
        return iommu_iova_range.reinterpret(address, 4, arena, null);
    }
}
