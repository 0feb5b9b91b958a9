package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/** Namespace data in memory, kept sparse in 64 KiB chunks; it lives as long as the process. */
final class MemoryStorage implements NamespaceStorage {
    private static final int CHUNK = 64 * 1024;

    private final Map<Long, byte[]> chunks = new HashMap<>();

    @Override
    public void read(long byteOffset, MemorySegment dst) {
        long done = 0;
        while (done < dst.byteSize()) {
            long at = byteOffset + done;
            int in = (int) (at % CHUNK);
            int n = (int) Math.min(CHUNK - in, dst.byteSize() - done);
            byte[] c = chunks.get(at / CHUNK);
            if (c == null) {
                dst.asSlice(done, n).fill((byte) 0);
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
                chunks.put(at / CHUNK, c);
            }
            MemorySegment to = MemorySegment.ofArray(c).asSlice(in, n);
            if (src == null) {
                to.fill((byte) 0);
            } else {
                to.copyFrom(src.asSlice(done, n));
            }
            done += n;
        }
    }

    @Override
    public void close() {}
}
