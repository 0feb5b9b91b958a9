package org.dma4j.pci;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/** A BAR mmapped from a VFIO device: each access is one load or store of its width, acquire/release. */
final class MmioBar implements Bar {
    private static final VarHandle U8 = ValueLayout.JAVA_BYTE.varHandle();
    private static final VarHandle U16 = ValueLayout.JAVA_SHORT.varHandle();
    private static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle U64 = ValueLayout.JAVA_LONG.varHandle();

    private final int index;
    private final MemorySegment mmio;

    MmioBar(int index, MemorySegment mmio) {
        this.index = index;
        this.mmio = mmio;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public long size() {
        return mmio.byteSize();
    }

    /** The mapped memory, for peer-to-peer DMA ({@code DmaBuffer.ofMmio}). */
    MemorySegment segment() {
        return mmio;
    }

    @Override
    public int read8(long off) {
        Bar.check(this, off, 1);
        return Byte.toUnsignedInt((byte) U8.getAcquire(mmio, off));
    }

    @Override
    public int read16(long off) {
        Bar.check(this, off, 2);
        return Short.toUnsignedInt((short) U16.getAcquire(mmio, off));
    }

    @Override
    public int read32(long off) {
        Bar.check(this, off, 4);
        return (int) U32.getAcquire(mmio, off);
    }

    @Override
    public long read64(long off) {
        Bar.check(this, off, 8);
        return (long) U64.getAcquire(mmio, off);
    }

    @Override
    public void write8(long off, int value) {
        Bar.check(this, off, 1);
        U8.setRelease(mmio, off, (byte) value);
    }

    @Override
    public void write16(long off, int value) {
        Bar.check(this, off, 2);
        U16.setRelease(mmio, off, (short) value);
    }

    @Override
    public void write32(long off, int value) {
        Bar.check(this, off, 4);
        U32.setRelease(mmio, off, value);
    }

    @Override
    public void write64(long off, long value) {
        Bar.check(this, off, 8);
        U64.setRelease(mmio, off, value);
    }
}
