package org.dma4j.pci;

import static org.dma4j.linux.gen.libc.libc_h.EFD_NONBLOCK;
import static org.dma4j.linux.gen.libc.libc_h.MAP_SHARED;
import static org.dma4j.linux.gen.libc.libc_h.PROT_READ;
import static org.dma4j.linux.gen.libc.libc_h.PROT_WRITE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.AlreadyClosedException;
import org.dma4j.Errno;
import org.dma4j.ErrnoException;
import org.dma4j.OutOfRangeException;
import org.dma4j.iommu.Backend;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.iommu.DmaSpaces;
import org.dma4j.iommu.internal.VfioDeviceFiles;
import org.dma4j.linux.Fd;
import org.dma4j.linux.Ioctls;
import org.dma4j.linux.Syscalls;
import org.dma4j.linux.gen.vfio.vfio_device_info;
import org.dma4j.linux.gen.vfio.vfio_h;
import org.dma4j.linux.gen.vfio.vfio_irq_info;
import org.dma4j.linux.gen.vfio.vfio_irq_set;
import org.dma4j.mem.DmaBuffer;

/**
 * A PCI function opened through VFIO, by its DMA space's backend: through its IOMMU group on a
 * type1 or no-IOMMU space, through its device cdev on an iommufd space. Several devices may be
 * opened into one space (their groups share one container, or they attach to one IOAS) and then
 * share its mappings. See {@link PciDevice} for threading.
 *
 * <p>Who closes what: the opener closes the device. A device opened from its address alone
 * ({@link #open(PciAddress)}, {@link #open(PciAddress, Backend)}) owns the space it opened and
 * closes it after itself; one opened into a caller's space ({@link #open(PciAddress, DmaSpace)})
 * never closes that space, so closing it leaves the space and the other devices in it working.
 */
public final class VfioPciDevice implements PciDevice {
    private final PciAddress address;
    private final Fd fd;
    private final DmaSpace space;
    private final boolean ownsSpace;
    private final int flags;
    private final int numRegions;
    /** Where config space starts in the device fd: asked once, not on every access. */
    private final long configOffset;

    private final Arena mappings = Arena.ofShared();
    private final Bar[] bars = new Bar[6];
    /** BARs handed out as peer-to-peer DMA memory ({@link #barMemory}); closed before the BARs are unmapped. */
    private final DmaBuffer[] barMemory = new DmaBuffer[6];

    private VfioInterrupts interrupts;
    /** Unregisters the device from its space (set once the device is open). */
    private Runnable detach = () -> {};

    private volatile boolean closed;

    private VfioPciDevice(PciAddress address, Fd fd, DmaSpace space, boolean ownsSpace) {
        this.address = address;
        this.fd = fd;
        this.space = space;
        this.ownsSpace = ownsSpace;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(vfio_device_info.layout());
            vfio_device_info.argsz(s, (int) s.byteSize());
            fd.ioctl(Ioctls.VFIO_DEVICE_GET_INFO, s);
            this.flags = vfio_device_info.flags(s);
            this.numRegions = vfio_device_info.num_regions(s);
        }
        this.configOffset =
                VfioRegion.query(fd, vfio_h.VFIO_PCI_CONFIG_REGION_INDEX()).offset();
        if ((flags & vfio_h.VFIO_DEVICE_FLAGS_PCI()) == 0) {
            throw new PciSetupException(address + " is a VFIO device but not a PCI one");
        }
    }

    /** Opens {@code address} on a new space of the backend {@link DmaSpaces#choose} picks; the device owns that space. */
    public static VfioPciDevice open(PciAddress address) {
        return open(address, DmaSpaces.choose(address.toString()));
    }

    /** Opens {@code address} on a new {@code backend} space; the device owns that space and closes it. */
    public static VfioPciDevice open(PciAddress address, Backend backend) {
        DmaSpace space = DmaSpaces.open(backend, address.toString());
        try {
            return open(address, space, true);
        } catch (RuntimeException e) {
            try {
                space.close();
            } catch (RuntimeException s) {
                e.addSuppressed(s);
            }
            throw e;
        }
    }

    /**
     * Opens {@code address} into {@code space}, which the caller keeps owning: other devices may be
     * in it already, and closing this one leaves them and the space as they are.
     */
    public static VfioPciDevice open(PciAddress address, DmaSpace space) {
        return open(address, space, false);
    }

    private static VfioPciDevice open(PciAddress address, DmaSpace space, boolean owns) {
        Fd fd = VfioDeviceFiles.open(space, address.toString());
        VfioPciDevice d;
        try {
            d = new VfioPciDevice(address, fd, space, owns);
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
        try {
            d.detach = VfioDeviceFiles.attach(space, d.toString(), () -> d.setBusMaster(false));
        } catch (RuntimeException e) {
            d.closeDevice();
            throw e;
        }
        return d;
    }

    @Override
    public PciAddress address() {
        return address;
    }

    @Override
    public DmaSpace dmaSpace() {
        return space;
    }

    /**
     * Every region's VFIO_DEVICE_GET_REGION_INFO, with capabilities, by index. A region the
     * device lacks (the VGA region of a non-VGA function: the kernel says EINVAL) is listed with
     * size 0 and no flags, so that indices stay the VFIO_PCI_*_REGION_INDEX ones.
     */
    public List<VfioRegion> regions() {
        ensureOpen();
        List<VfioRegion> out = new ArrayList<>();
        for (int i = 0; i < numRegions; i++) {
            try {
                out.add(VfioRegion.query(fd, i));
            } catch (ErrnoException e) {
                if (!e.is(Errno.EINVAL)) {
                    throw e;
                }
                out.add(new VfioRegion(i, 0, 0, 0, List.of(), List.of()));
            }
        }
        return out;
    }

    @Override
    public int configRead(int offset, int width) {
        checkConfig(offset, width);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment b = a.allocate(4);
            fd.pread(b.asSlice(0, width), configOffset + offset);
            return switch (width) {
                case 1 -> Byte.toUnsignedInt(b.get(ValueLayout.JAVA_BYTE, 0));
                case 2 -> Short.toUnsignedInt(b.get(ValueLayout.JAVA_SHORT, 0));
                default -> b.get(ValueLayout.JAVA_INT, 0);
            };
        }
    }

    @Override
    public void configWrite(int offset, int width, int value) {
        checkConfig(offset, width);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment b = a.allocate(4);
            b.set(ValueLayout.JAVA_INT, 0, value);
            fd.pwrite(b.asSlice(0, width), configOffset + offset);
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
        if (bars[index] == null) {
            VfioRegion r = VfioRegion.query(fd, vfio_h.VFIO_PCI_BAR0_REGION_INDEX() + index);
            if (r.size() == 0) {
                throw new PciSetupException(address + " has no BAR" + index);
            }
            if (!r.mmappable()) {
                throw new PciSetupException("BAR" + index + " of " + address
                        + " cannot be mmapped (an I/O-port BAR, or VFIO" + " refuses it)");
            }
            MemorySegment m = Syscalls.mmap(
                    r.size(),
                    PROT_READ() | PROT_WRITE(),
                    MAP_SHARED(),
                    fd.raw(),
                    r.offset(),
                    mappings,
                    "BAR" + index + " of " + address);
            bars[index] = new MmioBar(index, m);
        }
        return bars[index];
    }

    @Override
    public synchronized DmaBuffer barMemory(int index) {
        MmioBar bar = (MmioBar) bar(index);
        if (barMemory[index] == null) {
            barMemory[index] = DmaBuffer.ofMmio(bar.segment(), "BAR" + index + " of " + address);
        }
        return barMemory[index];
    }

    @Override
    public int interruptCount(IrqType type) {
        ensureOpen();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(vfio_irq_info.layout());
            vfio_irq_info.argsz(s, (int) s.byteSize());
            vfio_irq_info.index(s, type.vfioIndex());
            fd.ioctl(Ioctls.VFIO_DEVICE_GET_IRQ_INFO, s);
            return vfio_irq_info.count(s);
        }
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
        List<Fd> fds = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            for (int i = 0; i < count; i++) {
                fds.add(Fd.adopt(Syscalls.eventfd(0, EFD_NONBLOCK()), type + " vector " + i + " of " + address));
            }
            MemorySegment s = a.allocate(vfio_irq_set.layout().byteSize() + 4L * count, 8);
            vfio_irq_set.argsz(s, (int) s.byteSize());
            vfio_irq_set.flags(s, vfio_h.VFIO_IRQ_SET_DATA_EVENTFD() | vfio_h.VFIO_IRQ_SET_ACTION_TRIGGER());
            vfio_irq_set.index(s, type.vfioIndex());
            vfio_irq_set.start(s, 0);
            vfio_irq_set.count(s, count);
            for (int i = 0; i < count; i++) {
                s.set(
                        ValueLayout.JAVA_INT,
                        vfio_irq_set.data$offset() + 4L * i,
                        fds.get(i).raw());
            }
            fd.ioctl(Ioctls.VFIO_DEVICE_SET_IRQS, s);
        } catch (RuntimeException e) {
            fds.forEach(Fd::close);
            throw e;
        }
        interrupts = new VfioInterrupts(type, fds, () -> disableIrqs(type), this::unmaskIntx);
        return interrupts;
    }

    /** VFIO masks INTx when it fires (it is a level); this unmasks it once the driver cleared the cause. */
    private void unmaskIntx() {
        ensureOpen();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(vfio_irq_set.layout());
            vfio_irq_set.argsz(s, (int) s.byteSize());
            vfio_irq_set.flags(s, vfio_h.VFIO_IRQ_SET_DATA_NONE() | vfio_h.VFIO_IRQ_SET_ACTION_UNMASK());
            vfio_irq_set.index(s, IrqType.INTX.vfioIndex());
            vfio_irq_set.start(s, 0);
            vfio_irq_set.count(s, 1);
            fd.ioctl(Ioctls.VFIO_DEVICE_SET_IRQS, s);
        }
    }

    private void disableIrqs(IrqType type) {
        if (!fd.isOpen()) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(vfio_irq_set.layout());
            vfio_irq_set.argsz(s, (int) s.byteSize());
            vfio_irq_set.flags(s, vfio_h.VFIO_IRQ_SET_DATA_NONE() | vfio_h.VFIO_IRQ_SET_ACTION_TRIGGER());
            vfio_irq_set.index(s, type.vfioIndex());
            vfio_irq_set.count(s, 0);
            fd.ioctl(Ioctls.VFIO_DEVICE_SET_IRQS, s);
        }
    }

    @Override
    public void reset() {
        ensureOpen();
        if ((flags & vfio_h.VFIO_DEVICE_FLAGS_RESET()) == 0) {
            throw new PciSetupException(address + " offers VFIO no reset (no FLR, PM or bus reset it can use alone)");
        }
        fd.ioctl(Ioctls.VFIO_DEVICE_RESET, 0L);
    }

    private void ensureOpen() {
        if (closed) {
            throw new AlreadyClosedException("VFIO device " + address);
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    /**
     * Turns interrupts and bus mastering off, unmaps the BARs, closes the device file, leaves the
     * space (the other devices in it carry on) and closes the space if this device opened it.
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
        RuntimeException first = null;
        try {
            // Before the BARs are munmapped, and outside this device's lock: an unmap takes the space's.
            DmaBuffer.closeAll(handedOut);
        } catch (RuntimeException e) {
            first = e;
        }
        try {
            if (closeDevice()) {
                try {
                    space.clearDmaMask(address.toString()); // harmless on a closed space
                    detach.run(); // outside this device's lock: a closing space takes its own, then ours
                } finally {
                    if (ownsSpace) {
                        space.close();
                    }
                }
            }
        } catch (RuntimeException e) {
            if (first == null) {
                first = e;
            } else {
                first.addSuppressed(e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Closes the device itself; returns false if it was closed already. */
    private synchronized boolean closeDevice() {
        if (closed) {
            return false;
        }
        try {
            if (interrupts != null) {
                interrupts.close();
            }
            setBusMaster(false); // no DMA from here on
        } finally {
            closed = true;
            mappings.close();
            fd.close();
        }
        return true;
    }

    @Override
    public String toString() {
        return "VfioPciDevice[" + address + " on " + space.backend() + (closed ? ", closed" : "") + "]";
    }
}
