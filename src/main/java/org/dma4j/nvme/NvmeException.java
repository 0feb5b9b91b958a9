package org.dma4j.nvme;

import org.dma4j.Dma4jException;

/** An NVMe command that failed: the controller's status, or no completion in time, or a controller fault. */
public class NvmeException extends Dma4jException {
    private static final long serialVersionUID = 1L;
    private final transient NvmeStatus status;

    public NvmeException(String message, NvmeStatus status) {
        super(message);
        this.status = status;
    }

    public NvmeException(String message) {
        this(message, (NvmeStatus) null);
    }

    public NvmeException(String message, Throwable cause) {
        super(message, cause);
        this.status = null;
    }

    /** The completion status, or null when there was no completion (timeout, controller fatal status). */
    public NvmeStatus status() {
        return status;
    }

    /** A command the controller did not complete within its timeout. */
    public static class Timeout extends NvmeException {
        private static final long serialVersionUID = 1L;

        public Timeout(String message) {
            super(message);
        }
    }

    /**
     * A command that was outstanding when the controller was reset ({@link NvmeController#reset()},
     * or the driver's recovery from a timeout or CSTS.CFS): it may or may not have run.
     */
    public static class Reset extends NvmeException {
        private static final long serialVersionUID = 1L;

        public Reset(String message) {
            super(message);
        }
    }

    /**
     * A completion entry the controller posted that cannot be trusted: its command identifier is
     * not one of the queue's or not outstanding (a duplicate), it names another submission
     * queue, or its SQ head is impossible. The entry was dropped ({@link IoQueue#unexpectedCompletions()}
     * counts it) and the valid entries around it were handled; a command it seemed to complete is
     * still outstanding, and completes, times out or is failed by a reset as usual.
     */
    public static class InvalidCompletion extends NvmeException {
        private static final long serialVersionUID = 1L;
        private final int qid;
        private final int cid;

        public InvalidCompletion(String message, int qid, int cid) {
            super(message);
            this.qid = qid;
            this.cid = cid;
        }

        /** The queue whose completion queue held the entry. */
        public int qid() {
            return qid;
        }

        /** The command identifier the entry named. */
        public int cid() {
            return cid;
        }
    }

    /**
     * A namespace whose LBA format (metadata, protection information) dma4j cannot read or
     * write; the message names the namespace, its format and what dma4j supports.
     */
    public static class UnsupportedFormat extends NvmeException {
        private static final long serialVersionUID = 1L;

        public UnsupportedFormat(String message) {
            super(message);
        }
    }
}
