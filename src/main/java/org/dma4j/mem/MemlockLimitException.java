package org.dma4j.mem;

import org.dma4j.Dma4jException;

/** Pinning memory failed because RLIMIT_MEMLOCK does not cover it. The message names both sizes and the fix. */
public class MemlockLimitException extends Dma4jException {
    private static final long serialVersionUID = 1L;
    private final long requested;
    private final long limit;

    public MemlockLimitException(String message, long requested, long limit, Throwable cause) {
        super(message, cause);
        this.requested = requested;
        this.limit = limit;
    }

    /** Bytes that were to be pinned. */
    public long requested() {
        return requested;
    }

    /** The soft RLIMIT_MEMLOCK in bytes ({@code -1}: unlimited). */
    public long limit() {
        return limit;
    }
}
