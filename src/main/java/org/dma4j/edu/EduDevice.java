package org.dma4j.edu;

import static org.dma4j.edu.EduRegs.BUFFER;
import static org.dma4j.edu.EduRegs.CMD_IRQ;
import static org.dma4j.edu.EduRegs.CMD_START;
import static org.dma4j.edu.EduRegs.CMD_TO_RAM;
import static org.dma4j.edu.EduRegs.DMA_CMD;
import static org.dma4j.edu.EduRegs.DMA_COUNT;
import static org.dma4j.edu.EduRegs.DMA_DST;
import static org.dma4j.edu.EduRegs.DMA_SRC;
import static org.dma4j.edu.EduRegs.FACTORIAL;
import static org.dma4j.edu.EduRegs.IRQ_ACK;
import static org.dma4j.edu.EduRegs.IRQ_DMA;
import static org.dma4j.edu.EduRegs.IRQ_FACT;
import static org.dma4j.edu.EduRegs.IRQ_RAISE;
import static org.dma4j.edu.EduRegs.IRQ_STATUS;
import static org.dma4j.edu.EduRegs.STATUS;
import static org.dma4j.edu.EduRegs.STATUS_COMPUTING;
import static org.dma4j.edu.EduRegs.STATUS_IRQ_FACT;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.dma4j.AlreadyClosedException;
import org.dma4j.Iova;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaMask;
import org.dma4j.pci.Bar;
import org.dma4j.pci.Interrupts;
import org.dma4j.pci.IrqType;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A driver for QEMU's educational PCI device ({@code -device edu}): identification, the liveness
 * register, the factorial unit and the DMA engine between host memory and the device's 4 KiB
 * buffer, each completed by polling or by interrupt (MSI, or INTx with VFIO's unmask cycle).
 * Written only against {@link PciDevice}, so it runs on VFIO and on the fake ({@code FakeEdu}).
 *
 * <p>Every request is checked before the device is touched (a DMA outside the buffer makes QEMU
 * kill the whole machine; an address above the device's DMA mask is silently clamped to
 * another); every register the device returns is checked; every wait has a deadline.
 *
 * <p>Who closes what: {@link #open(PciAddress, Options)} opens the VFIO device (and its DMA
 * space) itself, and {@link #close()} closes them; {@link #open(PciDevice, Options)} drives a
 * caller's device, and close leaves it open (interrupts disabled, bus mastering off, no DMA
 * running). One operation at a time (methods are synchronized): edu has one DMA engine and one
 * factorial unit.
 */
public final class EduDevice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EduDevice.class);

    /** How completions reach the driver. */
    public enum Completion {
        /** Poll the status and command registers. */
        POLL,
        /** The device's one MSI vector. */
        MSI,
        /** The INTx line: the driver acknowledges the device, then unmasks the line in VFIO. */
        INTX
    }

    /**
     * How to drive the device.
     *
     * @param completion polling or an interrupt kind
     * @param dmaMask the address bits the device drives: edu's {@code dma_mask} property (28
     *     bits unless QEMU was given another); set on the device's DMA space at open
     * @param timeout the deadline of every wait (a factorial, a DMA, an interrupt)
     */
    public record Options(Completion completion, DmaMask dmaMask, Duration timeout) {
        public Options {
            if (completion == null || dmaMask == null || timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(
                        "edu options need a completion kind, a DMA mask and a positive timeout," + " not " + completion
                                + ", " + dmaMask + ", " + timeout);
            }
        }

        /** Polled, edu's default 28-bit mask, 10 s deadlines. */
        public static Options defaults() {
            return new Options(Completion.POLL, DmaMask.bits(EduRegs.DEFAULT_DMA_BITS), Duration.ofSeconds(10));
        }

        public Options with(Completion c) {
            return new Options(c, dmaMask, timeout);
        }

        public Options with(DmaMask m) {
            return new Options(completion, m, timeout);
        }

        public Options with(Duration t) {
            return new Options(completion, dmaMask, t);
        }
    }

    /** The identification register: version {@code major.minor}. */
    public record Version(int major, int minor) {
        @Override
        public String toString() {
            return major + "." + minor;
        }
    }

    private final PciDevice device;
    private final boolean ownsDevice;
    private final Bar bar;
    private final Options options;
    private final Interrupts irq;
    private final Version version;
    private boolean closed;

    private EduDevice(PciDevice device, boolean ownsDevice, Options options) {
        this.device = device;
        this.ownsDevice = ownsDevice;
        this.options = options;
        int vendor = device.configRead(0x00, 2);
        int id = device.configRead(0x02, 2);
        if (vendor != EduRegs.VENDOR || id != EduRegs.DEVICE) {
            throw new EduException(device.address() + " is " + hex4(vendor) + ":" + hex4(id) + ", not an edu device ("
                    + hex4(EduRegs.VENDOR) + ":" + hex4(EduRegs.DEVICE) + ")");
        }
        this.bar = device.bar(0);
        if (bar.size() < EduRegs.BAR0_SIZE) {
            throw new EduException(device.address() + ": BAR0 is " + bar.size() + " bytes; edu's is 1 MiB");
        }
        this.version = readVersion();
        device.setDmaMask(options.dmaMask()); // before anything is mapped for it (dma_set_mask at probe)
        Interrupts opened = null;
        try {
            if (options.completion() != Completion.POLL) {
                IrqType type = options.completion() == Completion.MSI ? IrqType.MSI : IrqType.INTX;
                if (device.interruptCount(type) < 1) {
                    throw new EduException(device.address() + " offers no " + type + "; use another completion kind");
                }
                opened = device.enableInterrupts(type, 1);
            }
            bar.write32(IRQ_ACK, ~0); // no cause left over from an earlier user
            device.setBusMaster(true);
        } catch (RuntimeException e) {
            if (opened != null) {
                try {
                    opened.close();
                } catch (RuntimeException s) {
                    e.addSuppressed(s);
                }
            }
            throw e;
        }
        this.irq = opened;
        LOG.debug("{}: edu {} ({}, {})", device.address(), version, options.completion(), options.dmaMask());
    }

    /**
     * Drives {@code device}, which stays the caller's: {@link #close()} leaves it open. Sets the
     * device's DMA mask ({@link Options#dmaMask}) on its space, so map the buffers after this.
     */
    public static EduDevice open(PciDevice device, Options options) {
        return new EduDevice(device, false, options);
    }

    /**
     * Opens the VFIO device {@code address} (bound to vfio-pci) on the DMA space dma4j picks,
     * and drives it; {@link #close()} closes the device and that space.
     */
    public static EduDevice open(PciAddress address, Options options) {
        PciDevice d = VfioPciDevice.open(address);
        try {
            return new EduDevice(d, true, options);
        } catch (RuntimeException e) {
            try {
                d.close();
            } catch (RuntimeException s) {
                e.addSuppressed(s);
            }
            throw e;
        }
    }

    /** The device driven. */
    public PciDevice device() {
        return device;
    }

    public Options options() {
        return options;
    }

    /** The version the identification register gave at open. */
    public Version version() {
        return version;
    }

    /** Reads the identification register again: 0xRRrr00ed, else {@link EduException.BadRegister}. */
    public synchronized Version identify() {
        ensureOpen();
        return readVersion();
    }

    private Version readVersion() {
        int id = bar.read32(EduRegs.ID);
        if ((id & 0xffff) != 0x00ed) {
            throw new EduException.BadRegister(device.address() + ": identification register reads 0x"
                    + Integer.toHexString(id) + gone(id) + "; edu's is 0xRRrr00ed");
        }
        return new Version(id >>> 24, id >>> 16 & 0xff);
    }

    /** Writes {@code value} to the liveness register and checks that it reads back inverted. */
    public synchronized void checkLiveness(int value) {
        ensureOpen();
        bar.write32(EduRegs.LIVENESS, value);
        int back = bar.read32(EduRegs.LIVENESS);
        if (back != ~value) {
            throw new EduException.BadRegister(
                    device.address() + ": liveness register read 0x" + Integer.toHexString(back) + " after 0x"
                            + Integer.toHexString(value) + " was written; expected 0x" + Integer.toHexString(~value));
        }
    }

    /**
     * Computes {@code n!} on the device (32 bits, wrapping, as edu does: 13! and above are
     * truncated) and returns it unsigned. Waits for the unit to finish (polling the status, or
     * its interrupt), within the deadline.
     */
    public synchronized long factorial(int n) {
        ensureOpen();
        if (n < 0) {
            throw new IllegalArgumentException("factorial of " + n + ": edu takes 0 to 2^31-1");
        }
        if ((status() & STATUS_COMPUTING) != 0) { // the device would ignore the write
            waitComputed("an earlier factorial");
        }
        boolean useIrq = irq != null;
        bar.write32(STATUS, useIrq ? STATUS_IRQ_FACT : 0);
        bar.write32(FACTORIAL, n);
        if (useIrq) {
            awaitCause(IRQ_FACT, "factorial of " + n);
            if ((status() & STATUS_COMPUTING) != 0) {
                throw new EduException.BadRegister(
                        device.address() + ": the factorial interrupt came while the status" + " still says computing");
            }
        } else {
            waitComputed("factorial of " + n);
        }
        return Integer.toUnsignedLong(bar.read32(FACTORIAL));
    }

    private void waitComputed(String what) {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        while ((status() & STATUS_COMPUTING) != 0) {
            if (System.nanoTime() - deadline > 0) {
                throw new EduException.Timeout(
                        device.address() + ": " + what + " still computing after " + options.timeout());
            }
            LockSupport.parkNanos(10_000);
        }
    }

    /** The status register, checked: only the computing and interrupt-on-factorial bits exist. */
    private int status() {
        int s = bar.read32(STATUS);
        if ((s & ~(STATUS_COMPUTING | STATUS_IRQ_FACT)) != 0) {
            throw new EduException.BadRegister(device.address() + ": status register reads 0x" + Integer.toHexString(s)
                    + gone(s) + "; only bits 0x01 and 0x80 exist");
        }
        return s;
    }

    /**
     * Copies {@code count} bytes from {@code source} at {@code sourceOffset} into the device's
     * buffer at {@code bufferOffset} (RAM to device), and waits for the transfer.
     * {@code source} must be a live mapping of this device's DMA space the device may read
     * (TO_DEVICE or BIDIRECTIONAL), and lie under the device's DMA mask; the range must end by
     * {@link EduRegs#BUFFER_END} (QEMU 7.2 stops on a transfer reaching the buffer's last byte). All checked before the device is touched.
     */
    public synchronized void toDevice(DmaMapping source, long sourceOffset, int bufferOffset, int count) {
        ensureOpen();
        Iova iova = check(source, sourceOffset, bufferOffset, count, false);
        dma(iova.value(), BUFFER + bufferOffset, count, 0);
    }

    /**
     * Copies {@code count} bytes from the device's buffer at {@code bufferOffset} into
     * {@code target} at {@code targetOffset} (device to RAM), and waits for the transfer.
     * {@code target} must be a live mapping of this device's space the device may write
     * (FROM_DEVICE or BIDIRECTIONAL), under its mask; checked as for {@link #toDevice}.
     */
    public synchronized void fromDevice(int bufferOffset, DmaMapping target, long targetOffset, int count) {
        ensureOpen();
        Iova iova = check(target, targetOffset, bufferOffset, count, true);
        dma(BUFFER + bufferOffset, iova.value(), count, CMD_TO_RAM);
    }

    private Iova check(DmaMapping m, long offset, int bufferOffset, int count, boolean deviceWrites) {
        String what = "DMA of " + count + " bytes " + (deviceWrites ? "into " : "from ") + m;
        if (count <= 0 || bufferOffset < 0 || bufferOffset > EduRegs.BUFFER_END - count) {
            throw new IllegalArgumentException(what + ": the device buffer is 4 KiB, of which QEMU 7.2 lets a transfer"
                    + " reach the first 4095 bytes; " + count + " bytes at offset " + bufferOffset
                    + " do not fit (edu's DMA"
                    + " outside that stops QEMU)");
        }
        if (!m.isLive()) {
            throw new IllegalArgumentException(what + ": the mapping is unmapped");
        }
        if (!device.dmaSpace().mappings().contains(m)) {
            throw new IllegalArgumentException(what + ": the mapping belongs to another DMA space than "
                    + device.address() + "'s; its IOVA means nothing to this device");
        }
        if (offset < 0 || offset > m.length() - count) {
            throw new IllegalArgumentException(
                    what + ": " + count + " bytes at offset " + offset + " run past the mapping");
        }
        if (deviceWrites ? !m.direction().deviceWrites() : !m.direction().deviceReads()) {
            throw new IllegalArgumentException(what + ": a " + m.direction() + " mapping; the device must "
                    + (deviceWrites ? "write" : "read") + " it");
        }
        Iova iova = m.iova(offset);
        DmaMask mask = device.dmaMask();
        if (!mask.covers(iova, count)) {
            throw new IllegalArgumentException(what + ": " + iova + " is above the device's " + mask
                    + " (the device would clamp it and DMA elsewhere); map it with the mask set first");
        }
        return iova;
    }

    private void dma(long src, long dst, int count, int direction) {
        int cmd = command();
        if ((cmd & CMD_START) != 0) { // only after a timed-out transfer: the device ignores writes meanwhile
            waitDmaIdle("an earlier DMA");
        }
        bar.write64(DMA_SRC, src);
        bar.write64(DMA_DST, dst);
        bar.write64(DMA_COUNT, count);
        String what = "DMA of " + count + " bytes 0x" + Long.toHexString(src) + " -> 0x" + Long.toHexString(dst);
        if (irq != null) {
            bar.write32(DMA_CMD, CMD_START | direction | CMD_IRQ);
            awaitCause(IRQ_DMA, what);
            if ((command() & CMD_START) != 0) {
                throw new EduException.BadRegister(
                        device.address() + ": the DMA interrupt came while the command still" + " says running");
            }
        } else {
            bar.write32(DMA_CMD, CMD_START | direction);
            waitDmaIdle(what);
        }
    }

    private void waitDmaIdle(String what) {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        while ((command() & CMD_START) != 0) {
            if (System.nanoTime() - deadline > 0) {
                throw new EduException.Timeout(device.address() + ": " + what + " not done after " + options.timeout());
            }
            LockSupport.parkNanos(50_000); // edu's transfers take 100 ms of QEMU's clock
        }
    }

    /** The DMA command register, checked: only the start, direction and interrupt bits exist. */
    private int command() {
        long c = bar.read64(DMA_CMD);
        if ((c & ~(long) (CMD_START | CMD_TO_RAM | CMD_IRQ)) != 0) {
            throw new EduException.BadRegister(device.address() + ": DMA command register reads 0x"
                    + Long.toHexString(c) + (c == -1 ? " (all ones: the device is gone)" : "")
                    + "; only bits 0x1, 0x2 and 0x4 exist");
        }
        return (int) c;
    }

    /**
     * Raises interrupt causes {@code bits} through the device's raise register and waits for the
     * interrupt (or, polled, for the status register to show them), then acknowledges them: the
     * interrupt path, end to end. {@code bits} must not include the factorial and DMA causes,
     * which the driver's own operations use.
     */
    public synchronized void raiseAndAcknowledge(int bits) {
        ensureOpen();
        if (bits == 0 || (bits & (IRQ_FACT | IRQ_DMA)) != 0) {
            throw new IllegalArgumentException("interrupt bits 0x" + Integer.toHexString(bits)
                    + ": give nonzero bits other" + " than 0x1 (factorial) and 0x100 (DMA)");
        }
        bar.write32(IRQ_RAISE, bits);
        if (irq != null) {
            awaitCause(bits, "raised interrupt 0x" + Integer.toHexString(bits));
        } else {
            int s = bar.read32(IRQ_STATUS);
            if ((s & bits) != bits) {
                throw new EduException.BadRegister(device.address() + ": interrupt status reads 0x"
                        + Integer.toHexString(s) + gone(s) + " after 0x" + Integer.toHexString(bits) + " was raised");
            }
            bar.write32(IRQ_ACK, bits);
        }
        int left = bar.read32(IRQ_STATUS);
        if ((left & bits) != 0) {
            throw new EduException.BadRegister(
                    device.address() + ": interrupt status still reads 0x" + Integer.toHexString(left) + gone(left)
                            + " after 0x" + Integer.toHexString(bits) + " was acknowledged");
        }
    }

    /**
     * Waits for the interrupt, then reads the interrupt status: when it shows {@code cause} the
     * cause is acknowledged in the device, then the line unmasked (INTx), in that order, so a
     * level that stays asserted fires again only for another cause. The status is read only after
     * the interrupt came: a driver whose interrupts never arrive times out here, it does not
     * quietly poll.
     */
    private void awaitCause(int cause, String what) {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                int s = bar.read32(IRQ_STATUS);
                throw new EduException.Timeout(
                        device.address() + ": no " + irq.type() + " interrupt for " + what + " within "
                                + options.timeout() + " (interrupt status 0x" + Integer.toHexString(s) + gone(s)
                                + ((s & cause) == cause ? ": the device raised it, the interrupt never came)" : ")"));
            }
            if (irq.await(0, Duration.ofNanos(left)) == 0) {
                continue;
            }
            int s = bar.read32(IRQ_STATUS);
            if (s == -1) {
                throw new EduException.BadRegister(device.address() + ": interrupt status reads 0xffffffff" + gone(s));
            }
            if ((s & cause) == cause) {
                bar.write32(IRQ_ACK, cause);
                irq.unmask(0);
                return;
            }
            irq.unmask(0); // another cause, or one handled already: let the line fire again
        }
    }

    private static String gone(int v) {
        return v == -1 ? " (all ones: the device is gone or not decoding memory)" : "";
    }

    private static String hex4(int v) {
        return String.format("%04x", v);
    }

    private void ensureOpen() {
        if (closed) {
            throw new AlreadyClosedException("edu device " + device.address());
        }
    }

    /**
     * Waits (within the deadline) for a running DMA to finish, disables the interrupts and bus
     * mastering, and closes the device if this driver opened it. Idempotent; the first error is
     * thrown after every step ran, the others suppressed.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        Runnable[] steps = {
            () -> waitDmaIdle("a DMA still running at close"),
            () -> {
                if (irq != null) {
                    irq.close();
                }
            },
            () -> device.setBusMaster(false),
            () -> {
                if (ownsDevice) {
                    device.close();
                }
            }
        };
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "EduDevice[" + device.address() + " v" + version + ", " + options.completion()
                + (closed ? ", closed" : "") + "]";
    }
}
