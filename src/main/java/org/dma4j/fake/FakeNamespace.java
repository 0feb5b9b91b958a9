package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * A namespace of the fake NVMe controller: its size, block size, and its data, kept sparse in
 * 64 KiB chunks (unwritten blocks read as zeroes). A "null" namespace keeps no data and moves
 * none, for measuring the driver alone. Thread-safe.
 */
public final class FakeNamespace {
    private static final int CHUNK = 64 * 1024;

    private final long blocks;
    private final int blockSize;
    private final boolean nul;
    private final Map<Long, byte[]> chunks = new HashMap<>();

    private FakeNamespace(long blocks, int blockSize, boolean nul) {
        if (blockSize != 512 && blockSize != 4096) {
            throw new IllegalArgumentException("the fake offers 512 B and 4 KiB blocks, not " + blockSize);
        }
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.nul = nul;
    }

    /** A namespace of {@code blocks} blocks of {@code blockSize} bytes (512 or 4096) backed by sparse memory. */
    public static FakeNamespace of(long blocks, int blockSize) {
        return new FakeNamespace(blocks, blockSize, false);
    }

    /** A namespace that stores and moves nothing: writes vanish, reads leave the buffer as it was. */
    public static FakeNamespace nul(long blocks, int blockSize) {
        return new FakeNamespace(blocks, blockSize, true);
    }

    public long blocks() {
        return blocks;
    }

    public int blockSize() {
        return blockSize;
    }

    boolean isNull() {
        return nul;
    }

    /** Copies [byteOffset, +dst.byteSize()) of the namespace into {@code dst}. */
    synchronized void read(long byteOffset, MemorySegment dst) {
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

    /** Stores {@code src} at {@code byteOffset}; a null {@code src} writes zeroes. */
    synchronized void write(long byteOffset, MemorySegment src, long length) {
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
}
