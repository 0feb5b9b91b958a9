package org.dma4j.nvme;

/**
 * Receives the completions of commands submitted with {@link IoQueue#submitRead} and
 * {@link IoQueue#submitWrite}, one call per command, from {@link IoQueue#poll(CompletionHandler)}
 * (as SPDK's {@code spdk_nvme_qpair_process_completions} calls its callbacks). The parameters
 * are primitives, so a poll allocates nothing; keep the handler in a field (a lambda that
 * captures nothing, or an object you reuse) rather than making one per poll.
 *
 * <p>The call comes on the thread that polls, which is the thread that owns the queue. By then
 * the command's identifier is free again, so the handler may submit the next command (that is
 * the usual closed loop); it may also call the queue's synchronous commands, which poll the
 * queue themselves (completions they see for other submitted commands are delivered by the
 * next poll). An exception from the handler propagates out of {@code poll}; completions after
 * it stay for the next poll.
 */
@FunctionalInterface
public interface CompletionHandler {
    /**
     * The {@code status} of a command that was outstanding when the controller was reset: it may
     * or may not have run. No status the controller reports is negative.
     */
    int RESET = -1;

    /**
     * One command completed.
     *
     * @param cid the command identifier {@code submitRead}/{@code submitWrite} returned
     * @param status the completion's status field (CQE dword 3 bits 31:17, without the phase
     *     tag): 0 on success, {@link #RESET} when a controller reset failed the command, else an
     *     error the controller reported, decoded by {@link NvmeStatus#of(int)}
     * @param result completion dword 0 (command specific; 0 for Read and Write)
     */
    void complete(int cid, int status, int result);
}
