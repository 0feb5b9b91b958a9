package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Namespace data or metadata in memory, kept sparse in 64 KiB chunks; it lives as long as the
 * process. What was never written reads as the fill byte (zeroes for data; 0xff for protection
 * information, which turns its checks off as QEMU does for unwritten blocks).
 */
final class MemoryStorage implements NamespaceStorage {
    private static final int CHUNK = 64 * 1024;

    /**
     * Chunk index -> chunk, open addressing with linear probing (a null chunk is a free slot; chunks
     * are never dropped): a lookup boxes no key, so reads and writes allocate nothing.
     */
    private long[] keys = new long[64];

    private byte[][] values = new byte[64][];
    private int count;
    private final byte fill;
    /** A chunk of the fill byte, what an unwritten chunk reads as (made on first use). */
    private byte[] unwritten;

    MemoryStorage() {
        this((byte) 0);
    }

    MemoryStorage(byte fill) {
        this.fill = fill;
    }

    @Override
    public void read(long byteOffset, MemorySegment dst) {
        long done = 0;
        while (done < dst.byteSize()) {
            long at = byteOffset + done;
            int in = (int) (at % CHUNK);
            int n = (int) Math.min(CHUNK - in, dst.byteSize() - done);
            byte[] c = chunk(at / CHUNK);
            if (c == null) {
                MemorySegment.copy(unwritten(), 0, dst, ValueLayout.JAVA_BYTE, done, n);
            } else {
                MemorySegment.copy(c, in, dst, ValueLayout.JAVA_BYTE, done, n);
            }
            done += n;
        }
    }

    @Override
    public void write(long byteOffset, MemorySegment src, long length) {
        long done = 0;
        while (done < length) {
            long at = byteOffset + done;
            int in = (int) (at % CHUNK);
            int n = (int) Math.min(CHUNK - in, length - done);
            byte[] c = chunk(at / CHUNK);
            if (src == null && c == null) {
                done += n;
                continue;
            }
            if (c == null) {
                c = new byte[CHUNK];
                java.util.Arrays.fill(c, fill);
                put(at / CHUNK, c);
            }
            if (src == null) {
                java.util.Arrays.fill(c, in, in + n, fill);
            } else {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, done, c, in, n);
            }
            done += n;
        }
    }

    private byte[] unwritten() {
        if (unwritten == null) {
            unwritten = new byte[CHUNK];
            java.util.Arrays.fill(unwritten, fill);
        }
        return unwritten;
    }

    /** The chunk at {@code index}, or null if it was never written. */
    private byte[] chunk(long index) {
        int mask = values.length - 1;
        for (int i = slot(index, mask); values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == index) {
                return values[i];
            }
        }
        return null;
    }

    private void put(long index, byte[] chunk) {
        if (2 * (count + 1) > values.length) {
            long[] oldKeys = keys;
            byte[][] oldValues = values;
            keys = new long[oldKeys.length * 2];
            values = new byte[oldValues.length * 2][];
            count = 0;
            for (int i = 0; i < oldValues.length; i++) {
                if (oldValues[i] != null) {
                    put(oldKeys[i], oldValues[i]);
                }
            }
        }
        int mask = values.length - 1;
        int i = slot(index, mask);
        while (values[i] != null) {
            i = (i + 1) & mask;
        }
        keys[i] = index;
        values[i] = chunk;
        count++;
    }

    private static int slot(long index, int mask) {
        return (int) (index * 0x9E3779B97F4A7C15L >>> 32) & mask;
    }

    @Override
    public void close() {}
}
