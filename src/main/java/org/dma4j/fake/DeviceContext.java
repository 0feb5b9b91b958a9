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

    /**
     * The device reads {@code length} bytes at {@code iova} into {@code into} from {@code offset};
     * false when the access was faulted in RECORD mode. The fake's own contexts allocate nothing here,
     * which is what a model's I/O path should call.
     */
    default boolean dmaRead(long iova, MemorySegment into, long offset, long length) {
        return dmaRead(Iova.of(iova), into.asSlice(offset, length));
    }

    /**
     * The device writes {@code length} bytes of {@code from} at {@code offset} to {@code iova};
     * false when the access was faulted in RECORD mode. Allocates nothing in the fake's own contexts.
     */
    default boolean dmaWrite(long iova, MemorySegment from, long offset, long length) {
        return dmaWrite(Iova.of(iova), from.asSlice(offset, length));
    }

    /** The device signals interrupt vector {@code vector}; dropped if the driver has not enabled it. */
    void raiseInterrupt(int vector);
}
