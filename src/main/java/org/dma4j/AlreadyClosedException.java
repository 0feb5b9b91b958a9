package org.dma4j;

/** Thrown when an object is used after it was closed. Closing twice is harmless and never throws this. */
public class AlreadyClosedException extends StateException {
    private static final long serialVersionUID = 1L;

    public AlreadyClosedException(String what) {
        super(what + " is already closed");
    }
}
