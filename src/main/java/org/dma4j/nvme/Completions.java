package org.dma4j.nvme;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waiting for one command of a {@link NvmeController}, and what happens when it does not come
 * (as in Linux's {@code nvme_timeout}): an admin command past its deadline resets the
 * controller; an I/O command is aborted and given one more timeout, and if it still has not
 * completed the controller is reset; CSTS.CFS resets it at once. Either way the command's CID is
 * freed only when it is resolved (completed, or failed by the reset), so a late completion can
 * never be taken for a newer command. Messages are built only on failure: a successful wait
 * allocates nothing.
 */
final class Completions {
    private static final Logger LOG = LoggerFactory.getLogger(Completions.class);

    private final NvmeController ctrl;

    Completions(NvmeController ctrl) {
        this.ctrl = ctrl;
    }

    private static String describe(String what, int opc, long lba, int blocks, int nsid) {
        return what != null
                ? what
                : IoQueue.name(opc) + " of " + blocks + " blocks at LBA " + lba + " on namespace " + nsid;
    }

    /** Waits until {@code cid} is done: completed, or failed by a reset. Recovers from a timeout or CSTS.CFS. */
    void await(QueuePair q, int cid, String what, int opc, long lba, int blocks, int nsid) {
        switch (waitFor(q, cid, System.nanoTime() + ctrl.timeout().toNanos(), true)) {
            case FATAL -> fatal(q, cid, describe(what, opc, lba, blocks, nsid));
            case EXPIRED -> timedOut(q, cid, describe(what, opc, lba, blocks, nsid));
            default -> {} // DONE
        }
    }

    private static final int DONE = 0, FATAL = 1, EXPIRED = 2, STALE = 3;

    /**
     * The one wait loop, for admin and I/O commands alike: polls {@code q} until {@code cid} is
     * done, CSTS.CFS is set, {@code deadline} passes, or (unless {@code revive}, which re-creates
     * it) the queue goes stale. Between empty polls it idles (a spin hint, or the queue's vector).
     */
    private int waitFor(QueuePair q, int cid, long deadline, boolean revive) {
        while (!q.isDone(cid)) {
            if (q.stale) {
                if (!revive) {
                    return STALE;
                }
                ctrl.revive(q);
                continue;
            }
            if (!reap(q)) {
                if (ctrl.regs().fatal()) {
                    return FATAL;
                }
                if (System.nanoTime() > deadline) {
                    return EXPIRED;
                }
                ctrl.idle(q);
            }
        }
        return DONE;
    }

    /**
     * Polls {@code q}; returns whether it consumed anything. A bogus entry (logged and counted by
     * the queue) does not end a wait for another command.
     */
    private static boolean reap(QueuePair q) {
        try {
            return q.poll() > 0;
        } catch (NvmeException.InvalidCompletion e) {
            return true;
        }
    }

    /** Frees {@code cid} of a done command; throws if it failed. Returns dword 0. */
    int finish(QueuePair q, int cid, String what, int opc, long lba, int blocks, int nsid) {
        int status = q.status(cid);
        int dw0 = q.result(cid);
        q.release(cid);
        if (status != 0) {
            throw failure(describe(what, opc, lba, blocks, nsid), cid, q.qid, status);
        }
        return dw0;
    }

    /** The exception for command {@code cid} of queue {@code qid} that ended with {@code status} (not 0). */
    static NvmeException failure(String what, int cid, int qid, int status) {
        if (status == QueuePair.RESET) {
            return new NvmeException.Reset(what + " (CID " + cid + " on queue " + qid
                    + ") was outstanding when the controller was reset; it may or may not have run");
        }
        NvmeStatus s = NvmeStatus.of(status);
        return new NvmeException(what + " failed on queue " + qid + ": " + s + " (CID " + cid + ")", s);
    }

    /** CSTS.CFS while waiting for {@code cid}: reset (once the controller is up), fail the command, throw. */
    private void fatal(QueuePair q, int cid, String what) {
        String message = ctrl.device().address() + ": controller fatal status (CSTS.CFS) during " + what;
        if (!ctrl.recoverable()) {
            throw new NvmeException(message);
        }
        NvmeException.Reset e = new NvmeException.Reset(message + "; the controller was reset and the command failed");
        try {
            ctrl.reset(message); // frees every admin identifier
            if (!ctrl.isAdmin(q)) {
                ctrl.revive(q);
                q.release(cid);
            }
        } catch (RuntimeException r) {
            e.addSuppressed(r);
        }
        throw e;
    }

    /**
     * {@code cid} is past its deadline. An admin command: reset the controller, free the CID and
     * throw. An I/O command: Abort it and give it one more timeout; return if it completed
     * meanwhile (its completion is then handled as usual), else reset, free the CID and throw.
     */
    private void timedOut(QueuePair q, int cid, String what) {
        String late = what + " (CID " + cid + " on queue " + q.qid + ") did not complete within "
                + ctrl.timeout().toMillis() + " ms";
        if (!ctrl.recoverable()) { // bring-up and reset undo themselves by disabling the controller
            throw new NvmeException.Timeout(late);
        }
        if (ctrl.isAdmin(q)) {
            NvmeException.Timeout e = new NvmeException.Timeout(late + "; the controller was reset");
            try {
                ctrl.reset(late); // frees every admin identifier
            } catch (RuntimeException r) {
                e.addSuppressed(r);
            }
            throw e;
        }
        RuntimeException abortFailure = null;
        try {
            ctrl.abort(q.qid, cid);
            waitFor(q, cid, System.nanoTime() + ctrl.timeout().toNanos(), false);
        } catch (RuntimeException r) {
            abortFailure = r; // an Abort that timed out has reset the controller already
        }
        if (q.isDone(cid)) {
            LOG.warn("{}; it completed after an Abort", late);
            return;
        }
        NvmeException.Timeout e =
                new NvmeException.Timeout(late + "; the Abort did not resolve it, so the controller was reset");
        if (abortFailure != null) {
            e.addSuppressed(abortFailure);
        }
        try {
            if (!q.stale) {
                ctrl.reset(late);
            }
            ctrl.revive(q);
            q.release(cid);
        } catch (RuntimeException r) {
            e.addSuppressed(r);
        }
        throw e;
    }
}
