package org.dma4j.pci;

import org.dma4j.Dma4jException;

/** A device cannot be found, bound or opened as asked; the message names the device and the fix. */
public class PciSetupException extends Dma4jException {
    private static final long serialVersionUID = 1L;

    public PciSetupException(String message) {
        super(message);
    }

    public PciSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
