package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import org.dma4j.Iova;
import org.dma4j.pci.IrqType;

/**
 * What a {@link DeviceModel} may do to the outside world: DMA through the fake IOMMU (refused,
 * as a {@link DmaDebugFault}, while the driver has bus mastering off), raise interrupts (MSI or
 * MSI-X messages, or the INTx level), and report a bug of the driver's that the hardware would
 * punish (a {@link DmaDebugFault} of the model's own).
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

    /**
     * The device sends the MSI or MSI-X message of {@code vector}; dropped unless the driver
     * enabled MSI or MSI-X with that vector (as a device cannot send a message it was not given).
     */
    void raiseInterrupt(int vector);

    /**
     * The device asserts ({@code true}) or deasserts its INTx pin. A level: delivered when the
     * driver enabled INTx and has unmasked it since it last fired (as VFIO masks INTx when it
     * fires); while the device keeps it asserted an unmask delivers it again.
     */
    void setIntx(boolean asserted);

    /**
     * Which interrupt kind the driver enabled, or null: a device offering MSI and INTx signals by
     * MSI when MSI is enabled (it reads the MSI enable bit of its capability), else by INTx.
     */
    IrqType enabledInterrupts();

    /**
     * Reports a driver bug the device caught, which the hardware would punish (a hung or killed
     * machine, a clamped address): recorded by the fake IOMMU and thrown in its THROW mode, so
     * the test names the bug instead of crashing. The access must then be dropped.
     */
    void reportBug(DmaDebugFault.Kind kind, String message);
}
