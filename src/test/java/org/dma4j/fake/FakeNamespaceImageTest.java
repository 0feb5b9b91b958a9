package org.dma4j.fake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fake namespace kept in an image file: sparse, and what one instance writes the next reads. */
class FakeNamespaceImageTest {
    @TempDir
    Path dir;

    private static MemorySegment bytes(Arena a, int n, int seed) {
        MemorySegment s = a.allocate(n);
        for (int i = 0; i < n; i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + seed));
        }
        return s;
    }

    @Test
    void dataOutlivesTheNamespaceAndTheFileStaysSparse() throws Exception {
        Path img = dir.resolve("ns.img");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = bytes(a, 4096, 3);
            try (FakeNamespace ns = FakeNamespace.image(img, 1 << 20, 512)) { // 512 MiB
                ns.write(100_000, data, null);
                ns.zero(100_002, 1); // Write Zeroes inside what was written
            }
            assertEquals(512L << 20, Files.size(img));
            Process stat =
                    new ProcessBuilder("stat", "-c", "%b*%B", img.toString()).start(); // blocks allocated x their size
            String[] f = new String(stat.getInputStream().readAllBytes()).trim().split("\\*");
            assertEquals(0, stat.waitFor());
            long allocated = Long.parseLong(f[0]) * Long.parseLong(f[1]);
            assertTrue(allocated < 1 << 20, "the image takes " + allocated + " bytes on disk; it should be sparse");
            try (FakeNamespace again = FakeNamespace.image(img, 1 << 20, 512)) {
                MemorySegment back = a.allocate(4096);
                again.read(100_000, back, null);
                byte[] expected = data.toArray(ValueLayout.JAVA_BYTE);
                java.util.Arrays.fill(expected, 1024, 1536, (byte) 0);
                assertArrayEquals(expected, back.toArray(ValueLayout.JAVA_BYTE));
                MemorySegment never = a.allocate(512);
                never.fill((byte) 0x55);
                again.read(0, never, null);
                assertArrayEquals(
                        new byte[512], never.toArray(ValueLayout.JAVA_BYTE), "unwritten blocks read as zeroes");
            }
        }
    }

    @Test
    void closeTwiceIsHarmlessAndMemoryAndNullNamespacesCloseToo() {
        FakeNamespace ns = FakeNamespace.image(dir.resolve("x.img"), 64, 512);
        ns.close();
        ns.close();
        FakeNamespace.of(64, 512).close();
        FakeNamespace.nul(64, 512).close();
    }

    @Test
    void aNullNamespaceLeavesTheBufferAsItWas() {
        try (Arena a = Arena.ofConfined();
                FakeNamespace ns = FakeNamespace.nul(64, 512)) {
            MemorySegment b = a.allocate(512);
            b.fill((byte) 7);
            ns.write(0, bytes(a, 512, 1), null);
            ns.read(0, b, null);
            assertEquals(7, b.get(ValueLayout.JAVA_BYTE, 100));
        }
    }
}
