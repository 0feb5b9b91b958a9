package org.dma4j.mem;

import org.dma4j.Dma4jException;

/** No free hugepages of the asked size; the message says how many there are and how to reserve more. */
public class HugepagesUnavailableException extends Dma4jException {
    private static final long serialVersionUID = 1L;

    public HugepagesUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
