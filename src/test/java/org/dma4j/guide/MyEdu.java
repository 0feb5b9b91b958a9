package org.dma4j.guide;

import java.time.Duration;
import org.dma4j.Dma4jException;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaMask;
import org.dma4j.pci.Bar;
import org.dma4j.pci.Interrupts;
import org.dma4j.pci.IrqType;
import org.dma4j.pci.PciDevice;

/**
 * The driver docs/writing-a-driver.md builds, step by step: a small driver for QEMU's edu,
 * written only against {@link PciDevice} (the library's full one is {@code org.dma4j.edu.EduDevice}).
 * The regions between {@code guide:} markers are quoted verbatim by the guide (WritingADriverGuideTest).
 */
final class MyEdu implements AutoCloseable {
    // guide:begin registers
    static final int ID = 0x00, LIVENESS = 0x04, IRQ_STATUS = 0x24, IRQ_ACK = 0x64;
    static final int DMA_SRC = 0x80, DMA_DST = 0x88, DMA_COUNT = 0x90, DMA_CMD = 0x98;
    static final int CMD_START = 0x1, CMD_TO_RAM = 0x2, CMD_IRQ = 0x4, IRQ_DMA = 0x100;
    static final long BUFFER = 0x40000; // the device's 4 KiB buffer, in its own address space
    // guide:end registers

    private final PciDevice device;
    private final Bar bar;
    private final Interrupts irq; // null: polled
    private final Duration timeout = Duration.ofSeconds(10);

    // guide:begin open
    MyEdu(PciDevice device, IrqType interrupts) {
        this.device = device;
        if (device.configRead(0x00, 2) != 0x1234 || device.configRead(0x02, 2) != 0x11e8) {
            throw new Dma4jException(device.address() + " is not QEMU's edu (1234:11e8)");
        }
        this.bar = device.bar(0);
        int id = bar.read32(ID);
        if ((id & 0xffff) != 0x00ed) { // validate what the device says before believing it
            throw new Dma4jException(device.address() + ": identification 0x" + Integer.toHexString(id) + ", not 0xRRrr00ed");
        }
        device.setDmaMask(DmaMask.bits(28)); // edu drives 28 address bits: IOVAs are chosen below 2^28
        this.irq = interrupts == null ? null : device.enableInterrupts(interrupts, 1);
        device.setBusMaster(true);
    }
    // guide:end open

    // guide:begin liveness
    boolean alive() {
        bar.write32(LIVENESS, 0x600d_f00d);
        return bar.read32(LIVENESS) == ~0x600d_f00d;
    }
    // guide:end liveness

    // guide:begin dma
    /** RAM -> the device's buffer: {@code count} bytes from the start of {@code from}. */
    void toDevice(DmaMapping from, int count) {
        if (count <= 0 || count > 4095 || count > from.length() || !device.dmaMask().covers(from.iova(), count)) {
            // QEMU 7.2 stops the machine on a DMA outside the buffer, or reaching its last byte
            throw new IllegalArgumentException("check before the device sees it: 1 to 4095 bytes");
        }
        bar.write64(DMA_SRC, from.iova().value()); // the device is given the IOVA, never a CPU address
        bar.write64(DMA_DST, BUFFER);
        bar.write64(DMA_COUNT, count);
        start(CMD_START);
    }

    /** The device's buffer -> RAM. */
    void fromDevice(DmaMapping to, int count) {
        if (count <= 0 || count > 4095 || count > to.length() || !device.dmaMask().covers(to.iova(), count)) {
            throw new IllegalArgumentException("check before the device sees it");
        }
        bar.write64(DMA_SRC, BUFFER);
        bar.write64(DMA_DST, to.iova().value());
        bar.write64(DMA_COUNT, count);
        start(CMD_START | CMD_TO_RAM);
    }
    // guide:end dma

    // guide:begin wait
    private void start(int cmd) {
        long deadline = System.nanoTime() + timeout.toNanos(); // every wait has a deadline
        if (irq == null) {
            bar.write32(DMA_CMD, cmd);
            while ((bar.read64(DMA_CMD) & CMD_START) != 0) {
                if (System.nanoTime() - deadline > 0) {
                    throw new Dma4jException("DMA not done after " + timeout);
                }
                Thread.onSpinWait();
            }
            return;
        }
        bar.write32(DMA_CMD, cmd | CMD_IRQ);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new Dma4jException("no " + irq.type() + " interrupt within " + timeout);
            }
            if (irq.await(0, Duration.ofNanos(left)) > 0 && (bar.read32(IRQ_STATUS) & IRQ_DMA) != 0) {
                bar.write32(IRQ_ACK, IRQ_DMA); // clear the cause in the device first,
                irq.unmask(0);                  // then let INTx fire again (a no-op for MSI)
                return;
            }
        }
    }
    // guide:end wait

    @Override
    public void close() {
        if (irq != null) {
            irq.close();
        }
        device.setBusMaster(false);
    }
}
