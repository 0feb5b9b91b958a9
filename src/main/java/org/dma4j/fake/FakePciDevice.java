package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.Map;
import org.dma4j.AlreadyClosedException;
import org.dma4j.Iova;
import org.dma4j.OutOfRangeException;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.Bar;
import org.dma4j.pci.Interrupts;
import org.dma4j.pci.IrqType;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.PciSetupException;

/**
 * A PCI function in memory: a standard config space (IDs, class, command register, BARs, an
 * MSI-X and an MSI capability, the INTx pin), memory BARs served by a {@link DeviceModel},
 * interrupts the model raises (MSI-X or MSI messages, or the INTx level with VFIO's
 * mask-on-fire and unmask), and DMA only through a {@link FakeDmaSpace} and only while bus
 * mastering is on. Driver code written against {@link PciDevice} cannot tell it from
 * {@code VfioPciDevice}.
 *
 * <p>Who closes it: its creator (or a driver that was given ownership of it). Closing it stops the
 * model and leaves the DMA space, which stays the creator's: several devices may share one
 * space, and closing one leaves the others working. Should the space close first, it turns this
 * device's bus mastering off (a DMA from the model is then a reported fault, never a write into
 * freed memory). Thread-safe.
 */
public final class FakePciDevice implements PciDevice {
    /** Where the MSI-X capability sits in config space. */
    static final int MSIX_CAP = 0x40;
    /** Where the MSI capability sits, after MSI-X's. */
    static final int MSI_CAP = 0x50;

    private final PciAddress address;
    private final FakeDmaSpace space;
    private final DeviceModel model;
    private final Map<IrqType, Integer> vectors = new EnumMap<>(IrqType.class);
    /** The model's INTx pin, kept across enabling and disabling INTx. */
    private volatile boolean intxAsserted;

    private final ByteBuffer config = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
    private final Bar[] bars = new Bar[6];
    /** BARs handed out as peer-to-peer DMA memory ({@link #barMemory}). */
    private final DmaBuffer[] barMemory = new DmaBuffer[6];

    private volatile FakeInterrupts interrupts;
    /** Unregisters the device from its space. */
    private final Runnable detach;

    private volatile boolean closed;

    /**
     * @param classCode 24-bit class code (0x010802 for NVMe)
     * @param msixVectors how many MSI-X vectors the device offers (0: none)
     */
    public FakePciDevice(
            PciAddress address,
            FakeDmaSpace space,
            DeviceModel model,
            int vendor,
            int device,
            int classCode,
            int msixVectors) {
        this(address, space, model, vendor, device, classCode, 0, Map.of(IrqType.MSIX, msixVectors));
    }

    /**
     * A device offering any mix of interrupt kinds, as a device's datasheet lists them.
     *
     * @param classCode 24-bit class code (0x00ff00 for "other", as QEMU's edu)
     * @param revision the revision ID (config offset 0x08)
     * @param vectors how many vectors of each kind: MSI-X 0 to 2048, MSI 0 or a power of two up
     *     to 32, INTx 0 or 1 (pin INTA#); a kind left out is not offered
     */
    public FakePciDevice(
            PciAddress address,
            FakeDmaSpace space,
            DeviceModel model,
            int vendor,
            int device,
            int classCode,
            int revision,
            Map<IrqType, Integer> vectors) {
        this.address = address;
        this.space = space;
        this.model = model;
        for (IrqType t : IrqType.values()) {
            int n = vectors.getOrDefault(t, 0);
            boolean ok = switch (t) {
                case MSIX -> n >= 0 && n <= 2048;
                case MSI -> n == 0 || (n <= 32 && Integer.bitCount(n) == 1);
                case INTX -> n == 0 || n == 1;
            };
            if (!ok) {
                throw new IllegalArgumentException(n + " " + t
                        + " vectors: PCI allows MSI-X 0-2048, MSI 0 or 1-32 (a power" + " of two), INTx 0 or 1");
            }
            this.vectors.put(t, n);
        }
        int msixVectors = this.vectors.get(IrqType.MSIX);
        int msiVectors = this.vectors.get(IrqType.MSI);
        config.putShort(0x00, (short) vendor).putShort(0x02, (short) device);
        config.putInt(0x08, classCode << 8 | revision & 0xff);
        config.put(0x0e, (byte) 0); // header type 0
        config.put(0x3d, (byte) (int) this.vectors.get(IrqType.INTX)); // interrupt pin: INTA# or none
        for (int i = 0; i < 6; i++) {
            if (model.barSize(i) > 0) {
                config.putInt(0x10 + 4 * i, 0xfe00_0000 + i * 0x10_0000); // 32-bit memory BAR at a made-up address
            }
        }
        int next = 0; // capabilities chained from the last one placed backwards
        if (msiVectors > 0) { // 64-bit capable, Multiple Message Capable = log2(vectors)
            config.put(MSI_CAP, (byte) 0x05).put(MSI_CAP + 1, (byte) next);
            config.putShort(MSI_CAP + 2, (short) (0x80 | Integer.numberOfTrailingZeros(msiVectors) << 1));
            next = MSI_CAP;
        }
        if (msixVectors > 0) {
            config.put(MSIX_CAP, (byte) 0x11).put(MSIX_CAP + 1, (byte) next);
            config.putShort(MSIX_CAP + 2, (short) (msixVectors - 1));
            next = MSIX_CAP;
        }
        if (next != 0) {
            config.putShort(0x06, (short) 0x10); // status: capabilities list
            config.put(0x34, (byte) next);
        }
        model.attach(new Context());
        this.detach = space.attach(address.toString(), this::stopDma);
    }

    /** For the space, closing before this device: bus mastering off, so the model's DMA faults. */
    private synchronized void stopDma() {
        config.putShort(COMMAND, (short) (config.getShort(COMMAND) & ~COMMAND_MASTER));
    }

    private final class Context implements DeviceContext {
        private boolean mayDma(long iova, long length, String what) {
            if ((config.getShort(COMMAND) & COMMAND_MASTER) == 0) {
                DmaDebugFault f = new DmaDebugFault(
                        DmaDebugFault.Kind.BUS_MASTER_DISABLED,
                        "device " + what + " of " + length + " bytes at " + Iova.of(iova)
                                + " while bus mastering is off; the driver must setBusMaster(true)");
                space.report(f);
                return false;
            }
            return true;
        }

        @Override
        public boolean dmaRead(Iova iova, MemorySegment into) {
            return dmaRead(iova.value(), into, 0, into.byteSize());
        }

        @Override
        public boolean dmaWrite(Iova iova, MemorySegment from) {
            return dmaWrite(iova.value(), from, 0, from.byteSize());
        }

        @Override
        public boolean dmaRead(long iova, MemorySegment into, long offset, long length) {
            return mayDma(iova, length, "read") && space.deviceRead(iova, into, offset, length);
        }

        @Override
        public boolean dmaWrite(long iova, MemorySegment from, long offset, long length) {
            return mayDma(iova, length, "write") && space.deviceWrite(iova, from, offset, length);
        }

        @Override
        public void raiseInterrupt(int vector) {
            FakeInterrupts i = interrupts;
            if (i != null) {
                i.raise(vector);
            }
        }

        @Override
        public void setIntx(boolean asserted) {
            intxAsserted = asserted;
            FakeInterrupts i = interrupts;
            if (i != null) {
                i.intx(asserted);
            }
        }

        @Override
        public IrqType enabledInterrupts() {
            FakeInterrupts i = interrupts;
            return i == null ? null : i.type();
        }

        @Override
        public void reportBug(DmaDebugFault.Kind kind, String message) {
            space.report(new DmaDebugFault(kind, address + ": " + message));
        }
    }

    @Override
    public PciAddress address() {
        return address;
    }

    @Override
    public DmaSpace dmaSpace() {
        return space;
    }

    @Override
    public synchronized int configRead(int offset, int width) {
        checkConfig(offset, width);
        return switch (width) {
            case 1 -> Byte.toUnsignedInt(config.get(offset));
            case 2 -> Short.toUnsignedInt(config.getShort(offset));
            default -> config.getInt(offset);
        };
    }

    @Override
    public synchronized void configWrite(int offset, int width, int value) {
        checkConfig(offset, width);
        // Only the command register (I/O, memory, bus master, INTx disable) is writable here;
        // the rest is read-only, as on hardware.
        if (offset == COMMAND && width >= 2) {
            config.putShort(COMMAND, (short) (value & 0x0407));
        }
    }

    private void checkConfig(int offset, int width) {
        ensureOpen();
        PciDevice.checkConfigAccess(address, offset, width);
    }

    @Override
    public synchronized Bar bar(int index) {
        ensureOpen();
        if (index < 0 || index > 5) {
            throw new OutOfRangeException("BAR" + index + ": PCI functions have BAR0 to BAR5");
        }
        if (model.barSize(index) == 0) {
            throw new PciSetupException(address + " has no BAR" + index);
        }
        if (bars[index] == null) {
            bars[index] = new ModelBar(index, model.barSize(index));
        }
        return bars[index];
    }

    /**
     * The BAR as peer-to-peer DMA memory, when the model backs it with memory
     * ({@link DeviceModel#barMemory}); a register BAR is refused, as no device could DMA into it.
     */
    @Override
    public synchronized DmaBuffer barMemory(int index) {
        bar(index); // checks the index, that the BAR exists and that the device is open
        if (barMemory[index] == null) {
            MemorySegment m = model.barMemory(index);
            if (m == null) {
                throw new PciSetupException("BAR" + index + " of " + address
                        + " is registers, not memory: it cannot be a" + " peer-to-peer DMA target");
            }
            barMemory[index] = DmaBuffer.ofMmio(m, "BAR" + index + " of fake " + address);
        }
        return barMemory[index];
    }

    /** A BAR whose every access goes to the model. */
    private final class ModelBar implements Bar {
        private final int index;
        private final long size;

        ModelBar(int index, long size) {
            this.index = index;
            this.size = size;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public long size() {
            return size;
        }

        private long read(long off, int width) {
            Bar.check(this, off, width);
            ensureOpen();
            return model.read(index, off, width);
        }

        private void write(long off, int width, long v) {
            Bar.check(this, off, width);
            ensureOpen();
            model.write(index, off, width, v);
        }

        @Override
        public int read8(long off) {
            return (int) read(off, 1) & 0xff;
        }

        @Override
        public int read16(long off) {
            return (int) read(off, 2) & 0xffff;
        }

        @Override
        public int read32(long off) {
            return (int) read(off, 4);
        }

        @Override
        public long read64(long off) {
            return read(off, 8);
        }

        @Override
        public void write8(long off, int value) {
            write(off, 1, value & 0xff);
        }

        @Override
        public void write16(long off, int value) {
            write(off, 2, value & 0xffff);
        }

        @Override
        public void write32(long off, int value) {
            write(off, 4, Integer.toUnsignedLong(value));
        }

        @Override
        public void write64(long off, long value) {
            write(off, 8, value);
        }
    }

    @Override
    public int interruptCount(IrqType type) {
        ensureOpen();
        return vectors.get(type);
    }

    @Override
    public synchronized Interrupts enableInterrupts(IrqType type, int count) {
        ensureOpen();
        int offered = interruptCount(type);
        if (count < 1 || count > offered) {
            throw new PciSetupException(
                    address + " offers " + offered + " " + type + " vectors; cannot enable " + count);
        }
        if (interrupts != null) {
            interrupts.close();
        }
        FakeInterrupts[] self = new FakeInterrupts[1];
        self[0] = new FakeInterrupts(type, count, () -> {
            synchronized (this) {
                if (interrupts == self[0]) {
                    interrupts = null;
                }
            }
        });
        interrupts = self[0];
        if (type == IrqType.INTX) {
            self[0].intx(intxAsserted); // a line asserted before INTx was enabled fires once it is
        }
        return self[0];
    }

    /** Resets the model; config space stays, as VFIO's reset restores it around the function reset. */
    @Override
    public synchronized void reset() {
        ensureOpen();
        model.reset();
    }

    private void ensureOpen() {
        if (closed) {
            throw new AlreadyClosedException("fake device " + address);
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    /**
     * Undoes every mapping of the BARs handed out as memory (a BAR still mapped is reported as a
     * buffer closed while mapped, after the device has closed), then closes the model, interrupts
     * and bus mastering, and leaves the space.
     */
    @Override
    public void close() {
        DmaBuffer[] handedOut;
        synchronized (this) {
            if (closed) {
                return;
            }
            handedOut = barMemory.clone();
        }
        try {
            DmaBuffer.closeAll(handedOut); // outside this device's lock: an unmap takes the space's
        } finally {
            closeDevice();
        }
    }

    private void closeDevice() {
        synchronized (this) {
            if (closed) {
                return;
            }
            model.close(); // first: a model's own thread stops before bus mastering and vectors go away
            FakeInterrupts i = interrupts;
            if (i != null) {
                i.close();
            }
            config.putShort(COMMAND, (short) 0);
            closed = true;
        }
        space.clearDmaMask(address.toString()); // harmless on a closed space
        detach.run(); // outside this device's lock: a closing space takes its own, then ours
    }
}
