package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * Namespace data or metadata in memory, kept sparse in 64 KiB chunks; it lives as long as the
 * process. What was never written reads as the fill byte (zeroes for data; 0xff for protection
 * information, which turns its checks off as QEMU does for unwritten blocks).
 */
final class MemoryStorage implements NamespaceStorage {
    private static final int CHUNK = 64 * 1024;

    private final Map<Long, byte[]> chunks = new HashMap<>();
    private final byte fill;

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
            byte[] c = chunks.get(at / CHUNK);
            if (c == null) {
                dst.asSlice(done, n).fill(fill);
            } else {
                dst.asSlice(done, n).copyFrom(MemorySegment.ofArray(c).asSlice(in, n));
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
            byte[] c = chunks.get(at / CHUNK);
            if (src == null && c == null) {
                done += n;
                continue;
            }
            if (c == null) {
                c = new byte[CHUNK];
                java.util.Arrays.fill(c, fill);
                chunks.put(at / CHUNK, c);
            }
            MemorySegment to = MemorySegment.ofArray(c).asSlice(in, n);
            if (src == null) {
                to.fill(fill);
            } else {
                to.copyFrom(src.asSlice(done, n));
            }
            done += n;
        }
    }

    @Override
    public void close() {}
}
