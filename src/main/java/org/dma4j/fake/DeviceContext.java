package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import org.dma4j.Iova;

/**
 * What a {@link DeviceModel} may do to the outside world: DMA through the fake IOMMU (refused,
 * as a {@link DmaDebugFault}, while the driver has bus mastering off) and raise interrupts.
 */
public interface DeviceContext {
    /** The device reads host memory at {@code iova}; false when the access was faulted in RECORD mode. */
    boolean dmaRead(Iova iova, MemorySegment into);

    /** The device writes host memory at {@code iova}; false when the access was faulted in RECORD mode. */
    boolean dmaWrite(Iova iova, MemorySegment from);

    /** The device signals interrupt vector {@code vector}; dropped if the driver has not enabled it. */
    void raiseInterrupt(int vector);
}
