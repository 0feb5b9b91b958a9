package org.dma4j.edu;

import org.dma4j.Dma4jException;

/** The edu device misbehaved or did not answer in time; subclasses say which. */
public class EduException extends Dma4jException {
    private static final long serialVersionUID = 1L;

    public EduException(String message) {
        super(message);
    }

    /** A register read a value the spec does not allow (all ones: the device is gone or not decoding). */
    public static class BadRegister extends EduException {
        private static final long serialVersionUID = 1L;

        public BadRegister(String message) {
            super(message);
        }
    }

    /** An operation did not finish before its deadline. */
    public static class Timeout extends EduException {
        private static final long serialVersionUID = 1L;

        public Timeout(String message) {
            super(message);
        }
    }
}
