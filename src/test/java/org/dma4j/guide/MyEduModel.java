package org.dma4j.guide;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.dma4j.Iova;
import org.dma4j.fake.DeviceContext;
import org.dma4j.fake.DeviceModel;
import org.dma4j.fake.DmaDebugFault;

/**
 * The guide's first fake: enough of edu for {@link MyEdu}'s unit tests, on the public
 * {@link DeviceModel} API (the full fake is {@code org.dma4j.fake.edu.FakeEdu}).
 */
// guide:begin model
final class MyEduModel implements DeviceModel {
    private final byte[] buffer = new byte[4096];
    private DeviceContext ctx;
    private int liveness;
    private long src, dst, count, cmd;
    private int irqStatus;

    @Override
    public long barSize(int index) {
        return index == 0 ? 1 << 20 : 0;
    }

    @Override
    public void attach(DeviceContext context) {
        ctx = context;
    }

    @Override
    public synchronized long read(int bar, long offset, int width) {
        return switch ((int) offset) {
            case 0x00 -> 0x010000edL;
            case 0x04 -> Integer.toUnsignedLong(liveness);
            case 0x24 -> irqStatus;
            case 0x98 -> cmd;
            default -> -1L;
        };
    }

    @Override
    public synchronized void write(int bar, long offset, int width, long value) {
        switch ((int) offset) {
            case 0x04 -> liveness = ~(int) value;
            case 0x64 -> irqStatus &= ~(int) value;
            case 0x80 -> src = value;
            case 0x88 -> dst = value;
            case 0x90 -> count = value;
            case 0x98 -> run(value);
            default -> { }
        }
    }

    private void run(long command) {
        boolean toRam = (command & 0x2) != 0;
        long device = toRam ? src : dst, ram = toRam ? dst : src;
        if (count <= 0 || device < 0x40000 || device + count >= 0x41000) { // where QEMU 7.2 stops the machine
            ctx.reportBug(DmaDebugFault.Kind.DEVICE_MISUSE, "DMA outside edu's buffer: 0x" + Long.toHexString(device));
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment bytes = a.allocate(count);
            if (toRam) { // every device access goes through the fake IOMMU, which checks it
                bytes.copyFrom(MemorySegment.ofArray(buffer).asSlice(device - 0x40000, count));
                ctx.dmaWrite(Iova.of(ram), bytes);
            } else if (ctx.dmaRead(Iova.of(ram), bytes)) {
                MemorySegment.copy(bytes, 0, MemorySegment.ofArray(buffer), device - 0x40000, count);
            }
        }
        if ((command & 0x4) != 0) {
            irqStatus |= 0x100;
            ctx.raiseInterrupt(0); // MSI; a model of an INTx device calls ctx.setIntx(true)
        }
    }

    @Override
    public synchronized void reset() {
        liveness = irqStatus = 0;
        src = dst = count = cmd = 0;
    }
}
// guide:end model
