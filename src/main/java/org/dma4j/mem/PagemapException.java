package org.dma4j.mem;

import org.dma4j.Dma4jException;

/** A physical address could not be resolved: not permitted (no CAP_SYS_ADMIN), or the page is not present. */
public class PagemapException extends Dma4jException {
    private static final long serialVersionUID = 1L;

    public PagemapException(String message) {
        super(message);
    }
}
