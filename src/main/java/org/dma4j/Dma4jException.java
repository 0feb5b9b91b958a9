package org.dma4j;

/**
 * The one unchecked exception every dma4j failure is, or extends. Its message says what
 * failed and, where dma4j knows it, how to fix it.
 */
public class Dma4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Dma4jException(String message) {
        super(message);
    }

    public Dma4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
