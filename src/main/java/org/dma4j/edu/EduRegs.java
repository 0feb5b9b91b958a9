package org.dma4j.edu;

/**
 * QEMU's educational PCI device ({@code -device edu}; QEMU's {@code docs/specs/edu.rst} and
 * {@code hw/misc/edu.c}): its IDs, its BAR0 registers and their bits. Written once, used by the
 * driver ({@link EduDevice}) and by the fake model ({@code org.dma4j.fake.FakeEdu}). Registers
 * below 0x80 take 32-bit accesses only, those from 0x80 32- or 64-bit ones; other widths are
 * ignored by the device (reads return all ones).
 */
public final class EduRegs {
    private EduRegs() {}

    /** PCI IDs: QEMU's vendor ID, edu's device ID; class "other" (0x00ff00), revision 0x10. */
    public static final int VENDOR = 0x1234, DEVICE = 0x11e8, CLASS = 0x00ff00, REVISION = 0x10;
    /** BAR0 is 1 MiB of registers. */
    public static final long BAR0_SIZE = 1 << 20;

    /** Identification, read-only: 0xRRrr00ed (major, minor version, 0xed). */
    public static final int ID = 0x00;
    /** Liveness check: reads back the bitwise inverse of what was written. */
    public static final int LIVENESS = 0x04;
    /** Factorial: write n to start (ignored while computing), read n! (32 bits, wrapping) when done. */
    public static final int FACTORIAL = 0x08;
    /** Status: {@link #STATUS_COMPUTING} (read-only), {@link #STATUS_IRQ_FACT} (read/write). */
    public static final int STATUS = 0x20;
    /** Interrupt status: the raised causes ({@link #IRQ_FACT}, {@link #IRQ_DMA}, or what was written to IRQ_RAISE). */
    public static final int IRQ_STATUS = 0x24;
    /** Interrupt raise: ORs the value into the interrupt status and interrupts. */
    public static final int IRQ_RAISE = 0x60;
    /** Interrupt acknowledge: clears the written bits; INTx drops when none is left. */
    public static final int IRQ_ACK = 0x64;
    /** DMA source address (64-bit): an IOVA, or an address in the device's buffer. */
    public static final int DMA_SRC = 0x80;
    /** DMA destination address (64-bit). */
    public static final int DMA_DST = 0x88;
    /** DMA transfer count in bytes (64-bit). */
    public static final int DMA_COUNT = 0x90;
    /** DMA command: {@link #CMD_START}, {@link #CMD_TO_RAM}, {@link #CMD_IRQ}. DMA registers ignore writes while it runs. */
    public static final int DMA_CMD = 0x98;

    /** The factorial unit is computing. */
    public static final int STATUS_COMPUTING = 0x01;
    /** Raise {@link #IRQ_FACT} when a factorial is done. */
    public static final int STATUS_IRQ_FACT = 0x80;
    /** Interrupt cause: a factorial finished. */
    public static final int IRQ_FACT = 0x001;
    /** Interrupt cause: a DMA finished. */
    public static final int IRQ_DMA = 0x100;
    /** Start a transfer; the device clears it when the transfer is done. */
    public static final int CMD_START = 0x1;
    /** Direction: set = device buffer to RAM, clear = RAM to device buffer. */
    public static final int CMD_TO_RAM = 0x2;
    /** Raise {@link #IRQ_DMA} when the transfer is done. */
    public static final int CMD_IRQ = 0x4;

    /** The device's DMA buffer: 4 KiB at this device-side address. */
    public static final long BUFFER = 0x40000;

    public static final int BUFFER_SIZE = 4096;
    /**
     * Where a transfer must end, at most (exclusive), in QEMU 7.2: its range check wants the end
     * strictly inside the buffer, so a transfer reaching the buffer's last byte stops the machine
     * ({@code hw_error}, found by the guest suite); later QEMUs accept it. So 4095 bytes at most.
     */
    public static final int BUFFER_END = BUFFER_SIZE - 1;
    /** The address bits edu drives by default (its {@code dma_mask} property: 2^28 - 1). */
    public static final int DEFAULT_DMA_BITS = 28;
}
