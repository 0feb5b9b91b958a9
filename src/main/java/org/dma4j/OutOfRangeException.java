package org.dma4j;

/**
 * An offset, index or vector outside what an object has: a BAR offset past its end or not
 * aligned for the access, a config-space offset past 4 KiB, BAR7, an interrupt vector that is
 * not enabled, an offset past the end of a mapping, an IOVA that would wrap past 2^64. The
 * message names the object, the value and the valid range. Thrown before anything is accessed.
 */
public class OutOfRangeException extends Dma4jException {
    private static final long serialVersionUID = 1L;

    public OutOfRangeException(String message) {
        super(message);
    }
}
