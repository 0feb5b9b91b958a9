package org.dma4j.mem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Test helper: reserves 2 MiB hugepages through /proc/sys/vm/nr_hugepages for a test, and gives them back. */
public final class Hugepages implements AutoCloseable {
    private static final Path NR = Path.of("/proc/sys/vm/nr_hugepages");
    private static final Path FREE = Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
    private final String before;

    private Hugepages(String before) {
        this.before = before;
    }

    /** Makes {@code pages} more 2 MiB hugepages free, or skips the test with one line saying why. */
    public static Hugepages reserve(int pages) {
        try {
            String before = Files.readString(NR).trim();
            Files.writeString(NR, String.valueOf(Long.parseLong(before) + pages));
            long free = Long.parseLong(Files.readString(FREE).trim());
            Hugepages h = new Hugepages(before);
            if (free < pages) {
                h.close();
                Assumptions.abort("the kernel reserved only " + free + " of " + pages
                        + " 2 MiB hugepages (memory too fragmented)");
            }
            return h;
        } catch (IOException e) {
            Assumptions.abort("cannot reserve hugepages through " + NR + " (" + e.getMessage() + "): needs root");
            return null;
        }
    }

    @Override
    public void close() {
        try {
            Files.writeString(NR, before);
        } catch (IOException e) {
            throw new IllegalStateException("could not give the hugepages back", e);
        }
    }
}
