package org.dma4j.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.dma4j.Dma4jException;
import org.dma4j.ErrnoException;
import org.dma4j.linux.SyscallFaults;

/**
 * The kernel's {@code fail_nth} sweep over one operation: count its system calls, then run it
 * once per call with that call failing, and check after each run that the failure was reported
 * as a {@link Dma4jException} carrying the {@link ErrnoException} that names the failed step, and
 * that nothing leaked ({@link Leaks}, plus an operation-specific check such as a DMA space's live set).
 */
public final class FailNth {
    /** An operation under test: it must release everything it acquires, also when it fails. */
    @FunctionalInterface
    public interface Operation {
        void run() throws Exception;
    }

    /** The injection points of one operation, for the report. */
    public record Coverage(String operation, int points, int reported, int absorbed, int unreached) {
        @Override
        public String toString() {
            return operation + ": " + points + " injection points (" + reported + " failed with a typed error, "
                    + absorbed + " release failures absorbed and logged"
                    + (unreached > 0 ? ", " + unreached + " not reached in that run" : "") + ")";
        }
    }

    private FailNth() {}

    /** The errno every sweep injects: what a kernel out of memory or a memlock limit returns. */
    public static final int ENOMEM = 12;

    /**
     * Runs {@code op} with every system call of {@code kinds} failing once. {@code leftovers}
     * names what the operation left behind in its own bookkeeping (empty: nothing); it runs
     * before the leak check and may release what is still tracked (a mapping whose unmap failed).
     */
    public static Coverage sweep(
            String name, Set<SyscallFaults.Kind> kinds, Operation op, Supplier<List<String>> leftovers)
            throws Exception {
        op.run(); // warm: class loading and caches open their files once, before the baseline
        Leaks before = Leaks.now();
        int n;
        try (SyscallFaults.Session s = SyscallFaults.count(kinds)) {
            op.run();
            n = s.calls();
        }
        assertTrue(n > 0, name + " makes no system call of " + kinds);
        assertEquals(List.of(), Leaks.now().grewSince(before), name + " leaks without any fault");
        int reported = 0, absorbed = 0, unreached = 0;
        for (int i = 1; i <= n; i++) {
            Throwable thrown = null;
            SyscallFaults.Kind failed;
            try (SyscallFaults.Session s = SyscallFaults.failNth(i, ENOMEM, kinds)) {
                try {
                    op.run();
                } catch (Throwable t) {
                    thrown = t;
                }
                failed = s.failed();
            }
            String where = name + " with system call " + i + " of " + n + " (" + failed + ") failing";
            if (failed == null) {
                // On a real device the count can differ between runs (a wait that polls more or less; in the
                // guest, I/O queue creation counted 17 calls and a later run never made the 13th): this run
                // made fewer calls. It must then have succeeded, leaking nothing (checked below), and is reported.
                assertEquals(null, thrown, where + ": the call was never made, yet the operation failed");
                unreached++;
            } else if (thrown == null) {
                assertTrue(
                        failed == SyscallFaults.Kind.CLOSE
                                || failed == SyscallFaults.Kind.MUNMAP
                                || failed == SyscallFaults.Kind.MUNLOCK,
                        where + ": succeeded although an acquiring call failed");
                absorbed++;
            } else {
                if (!(thrown instanceof Dma4jException)) {
                    fail(where + ": threw " + thrown + ", not a Dma4jException", thrown);
                }
                ErrnoException cause = injected(thrown);
                if (cause == null) {
                    fail(where + ": the error does not carry the failed call's ErrnoException: " + thrown, thrown);
                }
                assertEquals(ENOMEM, cause.errnoValue(), where);
                assertTrue(cause.getMessage().startsWith("failed to "), where + ": " + cause.getMessage());
                reported++;
            }
            assertEquals(List.of(), leftovers.get(), where + ": left behind");
            assertEquals(List.of(), Leaks.now().grewSince(before), where + ": leaked");
        }
        assertTrue(unreached < n, name + ": none of its " + n + " injection points was reached again");
        Coverage c = new Coverage(name, n, reported, absorbed, unreached);
        System.out.println("fail_nth " + c);
        return c;
    }

    /** The ErrnoException somewhere in {@code t}'s causes and suppressed exceptions, or null. */
    static ErrnoException injected(Throwable t) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        List<Throwable> todo = new ArrayList<>(List.of(t));
        while (!todo.isEmpty()) {
            Throwable x = todo.removeLast();
            if (x == null || seen.put(x, true) != null) {
                continue;
            }
            if (x instanceof ErrnoException e && e.errnoValue() == ENOMEM) {
                return e;
            }
            todo.add(x.getCause());
            todo.addAll(List.of(x.getSuppressed()));
        }
        return null;
    }
}
