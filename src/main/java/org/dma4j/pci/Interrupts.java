package org.dma4j.pci;

import java.time.Duration;

/**
 * The enabled vectors of one interrupt kind. Polling ({@link #poll}) is the default way to use
 * them; {@link #await} waits with a timeout. Returned by {@link PciDevice#enableInterrupts};
 * the device disables them again on close, or {@link #close()} does it earlier.
 */
public interface Interrupts extends AutoCloseable {
    IrqType type();

    /** How many vectors are enabled. */
    int count();

    /** How many times {@code vector} fired since the last poll or await (0: none); never blocks. */
    long poll(int vector);

    /** Waits until {@code vector} fires or {@code timeout} passes; returns how many times it fired (0 on timeout). */
    long await(int vector, Duration timeout);

    /**
     * Lets {@code vector} fire again. INTx is a level: when it fires VFIO masks the line (the
     * device keeps asserting it until the driver clears the cause), so the driver first clears
     * the cause in the device, then unmasks ({@code VFIO_IRQ_SET_ACTION_UNMASK}); if the device
     * still asserts the line it fires again at once. Without the unmask no further INTx arrives.
     * MSI and MSI-X are messages, never masked this way: a no-op for them. Never blocks.
     */
    void unmask(int vector);

    /** Disables the vectors. Idempotent. */
    @Override
    void close();
}
