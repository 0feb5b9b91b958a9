package org.dma4j.nvme;

import java.util.ArrayDeque;

/**
 * The undo steps of a bring-up or a teardown, run last first (so a mapping is undone before its
 * memory is freed, and the controller is disabled before its queues go). Every step runs even
 * when an earlier one fails; the first error is kept and the others are added to it as
 * suppressed. Not thread-safe: one per bring-up.
 */
final class Undo {
    private final ArrayDeque<Runnable> steps = new ArrayDeque<>();

    void push(Runnable step) {
        steps.push(step);
    }

    /** Runs every step after {@code first} failed; returns {@code first}, with the steps' failures suppressed in it. */
    <T extends Throwable> T unwind(T first) {
        while (!steps.isEmpty()) {
            try {
                steps.pop().run();
            } catch (RuntimeException | Error e) {
                if (e != first) {
                    first.addSuppressed(e);
                }
            }
        }
        return first;
    }

    /** Runs every step; throws the first failure with the rest suppressed. */
    void run() {
        RuntimeException first = null;
        while (!steps.isEmpty()) {
            try {
                steps.pop().run();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else if (e != first) {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
