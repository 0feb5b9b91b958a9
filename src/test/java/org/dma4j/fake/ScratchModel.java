package org.dma4j.fake;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.dma4j.Iova;

/**
 * A small device model for the fake PCI device's tests. BAR0 (16 KiB): 0x00 ID (read-only),
 * 0x08 scratch, 0x10 DMA address, 0x18 DMA length, 0x20 doorbell: 1 = DMA-write the pattern
 * 0xab to the address and raise vector 0; 2 = DMA-read from it and put the byte sum in 0x28.
 */
final class ScratchModel implements DeviceModel {
    static final int ID = 0xd3a4_0001;
    private DeviceContext ctx;
    private long scratch;
    private long address;
    private long length;
    private long sum;

    @Override
    public long barSize(int index) {
        return index == 0 ? 16384 : 0;
    }

    @Override
    public synchronized long read(int bar, long offset, int width) {
        return switch ((int) offset) {
            case 0x00 -> ID;
            case 0x08 -> scratch;
            case 0x10 -> address;
            case 0x18 -> length;
            case 0x28 -> sum;
            default -> 0;
        };
    }

    @Override
    public synchronized void write(int bar, long offset, int width, long value) {
        switch ((int) offset) {
            case 0x08 -> scratch = value;
            case 0x10 -> address = value;
            case 0x18 -> length = value;
            case 0x20 -> doorbell(value);
            default -> {} // read-only or unused: ignored, as hardware does
        }
    }

    private void doorbell(long value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(length);
            if (value == 1) {
                data.fill((byte) 0xab);
                if (ctx.dmaWrite(Iova.of(address), data)) {
                    ctx.raiseInterrupt(0);
                }
            } else if (value == 2 && ctx.dmaRead(Iova.of(address), data)) {
                long s = 0;
                for (long i = 0; i < length; i++) {
                    s += Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, i));
                }
                sum = s;
            }
        }
    }

    @Override
    public void attach(DeviceContext context) {
        this.ctx = context;
    }

    @Override
    public synchronized void reset() {
        scratch = address = length = sum = 0;
    }
}
