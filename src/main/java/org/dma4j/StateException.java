package org.dma4j;

/**
 * An operation the object's present state does not allow, such as asking for a command's result
 * before it completed. Use after close is the subclass {@link AlreadyClosedException}. The
 * message says what state the object is in and what to do first.
 */
public class StateException extends Dma4jException {
    private static final long serialVersionUID = 1L;

    public StateException(String message) {
        super(message);
    }
}
