package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The faults a test asked the fake NVMe controller to inject. Guarded by the controller's lock. */
final class FakeFaults {
    private record Injected(int opcode, boolean admin, int status) {}

    private record Delayed(int opcode, boolean admin, long nanos) {}

    private final List<Injected> injected = new ArrayList<>();
    private final List<Delayed> delayed = new ArrayList<>();
    int dropCompletions;
    int duplicateCompletions;
    long delayNanos;
    boolean hangShutdown;
    /** A shutdown latency and RTD3E that override the config's (-1: the config's). */
    long shutdownNanos = -1;

    long rtd3eMicros = -1;

    /** Surprise removal: registers read all ones, writes and doorbells are dropped, nothing more completes. */
    boolean removed;
    /** Register dwords (by offset) that read as the test set them, whatever the controller holds. */
    final Map<Integer, Integer> registers = new HashMap<>();
    /** Identify data bytes (CNS << 16 | offset) overwritten after the controller fills them. */
    final Map<Integer, Byte> identify = new HashMap<>();
    /** Completion entry fields to overwrite, one per posted completion, in order. */
    final ArrayDeque<long[]> completions = new ArrayDeque<>();

    /** The dword at {@code offset} as a test forced it, or null. */
    Integer register(long offset) {
        return registers.isEmpty() ? null : registers.get((int) (offset & ~3L));
    }

    /** Overwrites the Identify data of {@code cns} as the test asked. */
    void corruptIdentify(int cns, MemorySegment d) {
        if (identify.isEmpty()) {
            return;
        }
        for (Map.Entry<Integer, Byte> e : identify.entrySet()) {
            if (e.getKey() >>> 16 == cns) {
                d.set(ValueLayout.JAVA_BYTE, e.getKey() & 0xffff, e.getValue());
            }
        }
    }

    /** Overwrites fields of the completion entry about to be posted (16 bytes), if the test asked. */
    void corruptCompletion(MemorySegment cqe) {
        long[] c = completions.poll();
        if (c == null) {
            return;
        }
        int offset = (int) c[0];
        int width = (int) c[1];
        if (width == Short.BYTES) {
            cqe.set(ValueLayout.JAVA_SHORT, offset, (short) c[2]);
        } else {
            cqe.set(ValueLayout.JAVA_INT, offset, (int) c[2]);
        }
    }

    void failNext(int opcode, boolean admin, int sct, int sc) {
        injected.add(new Injected(opcode, admin, (sct & 7) << 8 | (sc & 0xff)));
    }

    /** The status to complete {@code opcode} with instead of running it, or -1 to run it. */
    int takeInjected(int opcode, boolean admin) {
        if (injected.isEmpty()) { // the usual case: no iterator, no allocation
            return -1;
        }
        for (int i = 0; i < injected.size(); i++) {
            Injected in = injected.get(i);
            if (in.opcode == opcode && in.admin == admin) {
                injected.remove(i);
                return in.status;
            }
        }
        return -1;
    }

    void delayNext(int opcode, boolean admin, long nanos) {
        delayed.add(new Delayed(opcode, admin, nanos));
    }

    /** The extra delay for the next {@code opcode}, or 0. */
    long takeDelay(int opcode, boolean admin) {
        if (delayed.isEmpty()) {
            return 0;
        }
        for (int i = 0; i < delayed.size(); i++) {
            Delayed d = delayed.get(i);
            if (d.opcode == opcode && d.admin == admin) {
                delayed.remove(i);
                return d.nanos;
            }
        }
        return 0;
    }

    /** A function-level reset forgets pending injected statuses and drops; delays stay until the test changes them. */
    void clear() {
        injected.clear();
        delayed.clear();
        dropCompletions = 0;
    }
}
