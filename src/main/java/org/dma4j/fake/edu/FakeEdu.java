package org.dma4j.fake.edu;

import static org.dma4j.edu.EduRegs.BUFFER;
import static org.dma4j.edu.EduRegs.BUFFER_SIZE;
import static org.dma4j.edu.EduRegs.CMD_IRQ;
import static org.dma4j.edu.EduRegs.CMD_START;
import static org.dma4j.edu.EduRegs.CMD_TO_RAM;
import static org.dma4j.edu.EduRegs.IRQ_DMA;
import static org.dma4j.edu.EduRegs.IRQ_FACT;
import static org.dma4j.edu.EduRegs.STATUS_COMPUTING;
import static org.dma4j.edu.EduRegs.STATUS_IRQ_FACT;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.dma4j.Iova;
import org.dma4j.edu.EduRegs;
import org.dma4j.fake.DeviceContext;
import org.dma4j.fake.DeviceModel;
import org.dma4j.fake.DmaDebugFault;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.pci.IrqType;
import org.dma4j.pci.PciAddress;

/**
 * QEMU 7.2's {@code edu} device as a fake, written only against the public {@link DeviceModel}
 * and {@link DeviceContext} API, as a user writes a fake of their own device (it lives in its own
 * package so the compiler holds it to that). Registers, the factorial unit and the DMA engine
 * work as {@code hw/misc/edu.c}: both finish later, on the model's own thread, so a driver has
 * to wait for them; interrupts go by MSI when the driver enabled it, else by the INTx level.
 *
 * <p>Strict where QEMU is fatal or lossy, each a reported driver bug ({@link DmaDebugFault},
 * thrown at the offending register write in the fake IOMMU's THROW mode, the transfer dropped):
 * a DMA whose device-side range leaves the 4 KiB buffer, reaches its last byte (QEMU 7.2's check
 * wants the end strictly inside) or has no bytes (QEMU stops the machine, {@code hw_error}), a host address above the device's DMA mask (QEMU clamps it and DMAs
 * elsewhere), a write to the DMA registers while a transfer runs or to the factorial while it
 * computes (QEMU drops it), and an access of a width the register does not take.
 *
 * <p>Whoever creates the {@link FakePciDevice} ({@link #device}) closes it; that stops the
 * model's thread. Thread-safe.
 */
public final class FakeEdu implements DeviceModel {
    /**
     * The fake's settings.
     *
     * @param dmaMask the addresses the device can drive, as QEMU's {@code dma_mask} property
     *     (any value; QEMU ANDs addresses with it)
     * @param dmaLatency how long a DMA transfer takes (QEMU: 100 ms of its clock)
     * @param factorialLatency how long a factorial takes
     */
    public record Config(long dmaMask, Duration dmaLatency, Duration factorialLatency) {
        /** edu's 28-bit mask, 2 ms transfers, 200 us factorials. */
        public static Config defaults() {
            return new Config((1L << EduRegs.DEFAULT_DMA_BITS) - 1, Duration.ofMillis(2), Duration.ofNanos(200_000));
        }

        public Config withDmaMask(long mask) {
            return new Config(mask, dmaLatency, factorialLatency);
        }

        public Config withLatency(Duration dma, Duration factorial) {
            return new Config(dmaMask, dma, factorial);
        }
    }

    private final Config config;
    private final ScheduledExecutorService thread;
    private DeviceContext ctx;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private int liveness;
    private int factorial;
    private int status;
    private int irqStatus;
    private long dmaSrc;
    private long dmaDst;
    private long dmaCount;
    private long dmaCmd;
    private ScheduledFuture<?> pending;

    public FakeEdu() {
        this(Config.defaults());
    }

    public FakeEdu(Config config) {
        this.config = config;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fake-edu");
            t.setDaemon(true);
            return t;
        });
    }

    /** A PCI function with this model: QEMU's IDs, BAR0 of 1 MiB, one MSI vector and INTA#. The caller closes it. */
    public static FakePciDevice device(PciAddress address, FakeDmaSpace space, FakeEdu model) {
        return new FakePciDevice(
                address,
                space,
                model,
                EduRegs.VENDOR,
                EduRegs.DEVICE,
                EduRegs.CLASS,
                EduRegs.REVISION,
                Map.of(IrqType.MSI, 1, IrqType.INTX, 1));
    }

    /** A copy of the device's 4 KiB buffer, for tests. */
    public synchronized byte[] buffer() {
        return buffer.clone();
    }

    @Override
    public long barSize(int index) {
        return index == 0 ? EduRegs.BAR0_SIZE : 0;
    }

    @Override
    public void attach(DeviceContext context) {
        this.ctx = context;
    }

    private boolean widthOk(long offset, int width) {
        if (offset < 0x80 ? width == 4 : width == 4 || width == 8) {
            return true;
        }
        ctx.reportBug(
                DmaDebugFault.Kind.DEVICE_MISUSE,
                width + "-byte access at 0x" + Long.toHexString(offset)
                        + ": edu takes 4-byte accesses below 0x80 and 4- or 8-byte ones above (others read all ones and write nothing)");
        return false;
    }

    @Override
    public synchronized long read(int bar, long offset, int width) {
        if (!widthOk(offset, width)) {
            return -1L;
        }
        return switch ((int) offset) {
            case EduRegs.ID -> 0x010000edL;
            case EduRegs.LIVENESS -> Integer.toUnsignedLong(liveness);
            case EduRegs.FACTORIAL -> Integer.toUnsignedLong(factorial);
            case EduRegs.STATUS -> status;
            case EduRegs.IRQ_STATUS -> Integer.toUnsignedLong(irqStatus);
            case EduRegs.DMA_SRC -> dmaSrc;
            case EduRegs.DMA_DST -> dmaDst;
            case EduRegs.DMA_COUNT -> dmaCount;
            case EduRegs.DMA_CMD -> dmaCmd;
            default -> -1L; // no register there: QEMU reads all ones
        };
    }

    @Override
    public synchronized void write(int bar, long offset, int width, long value) {
        if (!widthOk(offset, width)) {
            return;
        }
        switch ((int) offset) {
            case EduRegs.LIVENESS -> liveness = ~(int) value;
            case EduRegs.FACTORIAL -> startFactorial((int) value);
            case EduRegs.STATUS -> status = (int) value & STATUS_IRQ_FACT | status & STATUS_COMPUTING;
            case EduRegs.IRQ_RAISE -> raise((int) value);
            case EduRegs.IRQ_ACK -> lower((int) value);
            case EduRegs.DMA_SRC, EduRegs.DMA_DST, EduRegs.DMA_COUNT -> setDma((int) offset, value);
            case EduRegs.DMA_CMD -> startDma(value);
            default -> {} // read-only or no register: ignored, as QEMU does
        }
    }

    private void startFactorial(int n) {
        if ((status & STATUS_COMPUTING) != 0) {
            ctx.reportBug(
                    DmaDebugFault.Kind.DEVICE_MISUSE,
                    "factorial of " + Integer.toUnsignedString(n) + " written while"
                            + " the last one still computes (status bit 0x01): edu ignores it");
            return;
        }
        factorial = n;
        status |= STATUS_COMPUTING;
        pending = thread.schedule(
                () -> finishFactorial(n), config.factorialLatency().toNanos(), TimeUnit.NANOSECONDS);
    }

    private synchronized void finishFactorial(int n) {
        int r = 1;
        // 34! and above are multiples of 2^32: 0 in edu's 32-bit arithmetic, without 4 billion multiplications
        for (long v = Integer.toUnsignedLong(n); v > 0 && r != 0; v--) {
            r *= (int) v;
        }
        factorial = Integer.toUnsignedLong(n) >= 34 ? 0 : r;
        status &= ~STATUS_COMPUTING;
        if ((status & STATUS_IRQ_FACT) != 0) {
            raise(IRQ_FACT);
        }
    }

    private void setDma(int offset, long value) {
        if ((dmaCmd & CMD_START) != 0) {
            ctx.reportBug(
                    DmaDebugFault.Kind.DEVICE_MISUSE,
                    "write of 0x" + Long.toHexString(value) + " to DMA register 0x" + Integer.toHexString(offset)
                            + " while a transfer runs: edu ignores it");
            return;
        }
        switch (offset) {
            case EduRegs.DMA_SRC -> dmaSrc = value;
            case EduRegs.DMA_DST -> dmaDst = value;
            default -> dmaCount = value;
        }
    }

    private void startDma(long cmd) {
        if ((cmd & CMD_START) == 0) {
            return; // edu ignores a command without the start bit
        }
        if ((dmaCmd & CMD_START) != 0) {
            ctx.reportBug(
                    DmaDebugFault.Kind.DEVICE_MISUSE,
                    "DMA command 0x" + Long.toHexString(cmd) + " while a transfer" + " runs: edu ignores it");
            return;
        }
        dmaCmd = cmd;
        boolean toRam = (cmd & CMD_TO_RAM) != 0;
        long devAddr = toRam ? dmaSrc : dmaDst;
        long ramAddr = toRam ? dmaDst : dmaSrc;
        String bug = null;
        DmaDebugFault.Kind kind = DmaDebugFault.Kind.DEVICE_MISUSE;
        long end = devAddr + dmaCount;
        if (dmaCount == 0
                || Long.compareUnsigned(devAddr, BUFFER) < 0
                || Long.compareUnsigned(end, devAddr) < 0
                || Long.compareUnsigned(end, BUFFER + EduRegs.BUFFER_END) > 0) {
            bug = "DMA of " + Long.toUnsignedString(dmaCount) + " bytes at device address 0x"
                    + Long.toHexString(devAddr)
                    + " is outside edu's buffer 0x40000-0x40fff (or empty, or reaches its last byte, which QEMU 7.2's range"
                    + " check refuses): QEMU stops the whole machine (hw_error)";
        } else if ((ramAddr & config.dmaMask()) != ramAddr) {
            kind = DmaDebugFault.Kind.ABOVE_DMA_MASK;
            bug = "DMA " + (toRam ? "to" : "from") + " host address 0x" + Long.toHexString(ramAddr)
                    + " above the device's"
                    + " DMA mask 0x" + Long.toHexString(config.dmaMask()) + ": edu clamps it to 0x"
                    + Long.toHexString(ramAddr & config.dmaMask()) + " and transfers there; the driver must map under"
                    + " the mask (PciDevice.setDmaMask)";
        }
        boolean drop = bug != null;
        int count = (int) dmaCount;
        long deviceOffset = devAddr - BUFFER;
        pending = thread.schedule(
                () -> finishDma(drop, toRam, ramAddr, deviceOffset, count),
                config.dmaLatency().toNanos(),
                TimeUnit.NANOSECONDS);
        if (bug != null) {
            ctx.reportBug(kind, bug); // thrown here in THROW mode; the transfer still ends, doing nothing
        }
    }

    private synchronized void finishDma(boolean drop, boolean toRam, long ramAddr, long deviceOffset, int count) {
        if ((dmaCmd & CMD_START) == 0) {
            return;
        }
        if (!drop) {
            MemorySegment data = MemorySegment.ofArray(buffer).asSlice(deviceOffset, count);
            try {
                if (toRam) {
                    ctx.dmaWrite(Iova.of(ramAddr), data);
                } else {
                    ctx.dmaRead(Iova.of(ramAddr), data);
                }
            } catch (DmaDebugFault f) {
                // recorded by the fake IOMMU; on this thread nobody would see the throw
            }
        }
        dmaCmd &= ~CMD_START;
        if ((dmaCmd & CMD_IRQ) != 0) {
            raise(IRQ_DMA);
        }
    }

    private void raise(int bits) {
        irqStatus |= bits;
        if (irqStatus != 0) {
            if (ctx.enabledInterrupts() == IrqType.MSI) {
                ctx.raiseInterrupt(0);
            } else {
                ctx.setIntx(true);
            }
        }
    }

    private void lower(int bits) {
        irqStatus &= ~bits;
        if (irqStatus == 0 && ctx.enabledInterrupts() != IrqType.MSI) {
            ctx.setIntx(false);
        }
    }

    @Override
    public synchronized void reset() {
        if (pending != null) {
            pending.cancel(false);
        }
        java.util.Arrays.fill(buffer, (byte) 0);
        liveness = factorial = status = irqStatus = 0;
        dmaSrc = dmaDst = dmaCount = dmaCmd = 0;
        ctx.setIntx(false);
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
