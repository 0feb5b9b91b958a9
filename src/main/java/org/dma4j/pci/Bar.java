package org.dma4j.pci;

import org.dma4j.OutOfRangeException;

/**
 * A device's memory BAR, for register access. Every access is bounds- and alignment-checked
 * (a bad offset throws {@link OutOfRangeException} naming the BAR, never crashes the JVM).
 *
 * <p>Memory ordering: reads are acquire and writes are release accesses of the width asked
 * (never split or merged). So a write to a doorbell is not reordered before the plain writes to
 * DMA memory that it publishes (a submission queue entry), and data read after a completion
 * register is read after it. Owned by its {@link PciDevice}; valid until the device closes;
 * usable from any thread.
 */
public interface Bar {
    /** The BAR index, 0 to 5. */
    int index();

    /** Its size in bytes. */
    long size();

    int read8(long offset);

    int read16(long offset);

    int read32(long offset);

    long read64(long offset);

    void write8(long offset, int value);

    void write16(long offset, int value);

    void write32(long offset, int value);

    void write64(long offset, long value);

    /** Throws unless [offset, offset + width) is inside the BAR and naturally aligned. */
    static void check(Bar bar, long offset, int width) {
        if (offset < 0 || offset > bar.size() - width) {
            throw new OutOfRangeException("offset 0x" + Long.toHexString(offset) + " (" + width
                    + " bytes) is outside BAR" + bar.index() + " of 0x" + Long.toHexString(bar.size()) + " bytes");
        }
        if ((offset & (width - 1)) != 0) {
            throw new OutOfRangeException("offset 0x" + Long.toHexString(offset) + " of BAR" + bar.index()
                    + " is not aligned for a " + width + "-byte access");
        }
    }
}
