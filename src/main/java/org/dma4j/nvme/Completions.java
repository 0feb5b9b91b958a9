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
        return what != null ? what : IoQueue.name(opc) + " of " + blocks + " blocks at LBA " + lba + " on namespace " + nsid;
    }

    /** Waits until {@code cid} is done: completed, or failed by a reset. Recovers from a timeout or CSTS.CFS. */
    void await(QueuePair q, int cid, String what, int opc, long lba, int blocks, int nsid) {
        long deadline = System.nanoTime() + ctrl.timeout().toNanos();
        while (!q.isDone(cid)) {
            if (q.stale) {
                ctrl.revive(q);
                continue;
            }
            if (q.poll() == 0) {
                if (ctrl.regs().fatal()) {
                    fatal(q, cid, describe(what, opc, lba, blocks, nsid));
                } else if (System.nanoTime() > deadline) {
                    timedOut(q, cid, describe(what, opc, lba, blocks, nsid));
                    return;
                }
                ctrl.idle(q);
            }
        }
    }

    /** Frees {@code cid} of a done command; throws if it failed. Returns dword 0. */
    int finish(QueuePair q, int cid, String what, int opc, long lba, int blocks, int nsid) {
        int status = q.status(cid);
        int dw0 = q.result(cid);
        q.release(cid);
        if (status == QueuePair.RESET) {
            throw new NvmeException.Reset(describe(what, opc, lba, blocks, nsid) + " (CID " + cid + " on queue " + q.qid
                    + ") was outstanding when the controller was reset; it may or may not have run");
        }
        if (status != 0) {
            NvmeStatus s = NvmeStatus.of(status);
            throw new NvmeException(describe(what, opc, lba, blocks, nsid) + " failed on queue " + q.qid + ": " + s, s);
        }
        return dw0;
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
            long grace = System.nanoTime() + ctrl.timeout().toNanos();
            while (!q.isDone(cid) && !q.stale && System.nanoTime() < grace && !ctrl.regs().fatal()) {
                if (q.poll() == 0) {
                    ctrl.idle(q);
                }
            }
        } catch (RuntimeException r) {
            abortFailure = r; // an Abort that timed out has reset the controller already
        }
        if (q.isDone(cid)) {
            LOG.warn("{}; it completed after an Abort", late);
            return;
        }
        NvmeException.Timeout e = new NvmeException.Timeout(late + "; the Abort did not resolve it, so the controller was reset");
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
