package org.dma4j.pci;

import org.dma4j.OutOfRangeException;
import org.dma4j.iommu.DmaMask;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.mem.DmaBuffer;

/**
 * A PCI function a userspace driver talks to: config space, memory BARs, interrupts, reset and
 * bus mastering, and the DMA space its DMA goes through. {@link VfioPciDevice} is the real one;
 * {@code org.dma4j.fake.FakePciDevice} runs a device model in memory. Driver code written
 * against this interface runs on both.
 *
 * <p>Who closes it: the opener (or a driver that opened it, such as an {@code NvmeController}
 * opened from a PCI address). {@link #close()} disables interrupts and bus mastering, unmaps the
 * BARs and releases the device; it closes the DMA space only if the device opened that space
 * itself ({@link VfioPciDevice#open(PciAddress)}); a space the caller passed in stays the
 * caller's, with its other devices. Closing the space first is safe too: the space turns this
 * device's bus mastering off before it unmaps anything. Closing twice is harmless; any other
 * use after close throws. Register access is thread-safe; setup calls (interrupts, reset)
 * belong to one thread.
 */
public interface PciDevice extends AutoCloseable {
    PciAddress address();

    /** Reads config space: {@code width} 1, 2 or 4 bytes at {@code offset}, naturally aligned. */
    int configRead(int offset, int width);

    /** Writes config space. */
    void configWrite(int offset, int width, int value);

    /** Memory BAR {@code index}, mapped on first use. Throws for an I/O-port or absent BAR. */
    Bar bar(int index);

    /**
     * Memory BAR {@code index} as DMA memory, for peer-to-peer: a buffer of kind
     * {@link org.dma4j.MemoryKind#MMIO} that another device's (or this one's) DMA space maps with
     * {@code DmaAttr.MMIO}. The same buffer on every call. The device owns it: closing the device
     * closes it, which first undoes every mapping of it in every space, so no IOMMU entry outlives
     * the BAR. Throws for a BAR that cannot be mapped (absent, I/O ports, not mmappable).
     */
    DmaBuffer barMemory(int index);

    /** How many vectors of {@code type} the device offers. */
    int interruptCount(IrqType type);

    /** Enables vectors 0 to {@code count - 1} of {@code type}; a device has one kind enabled at a time. */
    Interrupts enableInterrupts(IrqType type, int count);

    /** Resets the function (FLR or what VFIO offers for it). */
    void reset();

    /** Sets or clears Bus Master Enable (setting it also sets Memory Space Enable) in the command register. */
    default void setBusMaster(boolean enabled) {
        int cmd = configRead(COMMAND, 2);
        configWrite(COMMAND, 2, enabled ? cmd | COMMAND_MEMORY | COMMAND_MASTER : cmd & ~COMMAND_MASTER);
    }

    /** For implementations: throws unless a config access of {@code width} bytes at {@code offset} is valid. */
    static void checkConfigAccess(PciAddress address, int offset, int width) {
        if (width != 1 && width != 2 && width != 4) {
            throw new IllegalArgumentException("config space accesses are 1, 2 or 4 bytes, not " + width);
        }
        if (offset < 0 || offset > 4096 - width || offset % width != 0) {
            throw new OutOfRangeException("config offset 0x" + Integer.toHexString(offset) + " (" + width
                    + " bytes) of " + address + " is outside 0x0-0xfff or not aligned");
        }
    }

    /** The DMA space the device's DMA goes through. */
    DmaSpace dmaSpace();

    /** Whether {@link #close()} has not run yet. */
    boolean isOpen();

    /**
     * Tells dma4j how many address bits the device can put out, as a kernel driver's
     * {@code dma_set_mask} at probe: every IOVA its DMA space hands out from now on lies under
     * it (the smallest mask wins when devices share a space), and with no IOMMU memory above it is
     * refused. Call it before mapping; the mask is forgotten when the device closes.
     */
    default void setDmaMask(DmaMask mask) {
        dmaSpace().setDmaMask(address().toString(), mask);
    }

    /** The mask set with {@link #setDmaMask} ({@link DmaMask#ALL} when none was). */
    default DmaMask dmaMask() {
        return dmaSpace().dmaMask(address().toString());
    }

    @Override
    void close();

    /** The PCI command register and its bits (PCI Local Bus spec). */
    int COMMAND = 0x04;

    int COMMAND_MEMORY = 1 << 1;
    int COMMAND_MASTER = 1 << 2;
}
