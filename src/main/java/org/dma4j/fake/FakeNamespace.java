package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A namespace of the fake NVMe controller: its size, block size, and its data (unwritten blocks
 * read as zeroes), kept sparse in memory, or in a sparse image file that outlives the process. A
 * "null" namespace keeps no data and moves none, for measuring the driver alone. Thread-safe.
 * Whoever makes an {@link #image} namespace closes it.
 */
public final class FakeNamespace implements AutoCloseable {
    private final long blocks;
    private final int blockSize;
    private final boolean nul;
    private final NamespaceStorage storage;

    private FakeNamespace(long blocks, int blockSize, boolean nul, NamespaceStorage storage) {
        if (blockSize != 512 && blockSize != 4096) {
            storage.close();
            throw new IllegalArgumentException("the fake offers 512 B and 4 KiB blocks, not " + blockSize);
        }
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.nul = nul;
        this.storage = storage;
    }

    /** A namespace of {@code blocks} blocks of {@code blockSize} bytes (512 or 4096) backed by sparse memory. */
    public static FakeNamespace of(long blocks, int blockSize) {
        return new FakeNamespace(blocks, blockSize, false, new MemoryStorage());
    }

    /** A namespace that stores and moves nothing: writes vanish, reads leave the buffer as it was. */
    public static FakeNamespace nul(long blocks, int blockSize) {
        return new FakeNamespace(blocks, blockSize, true, NamespaceStorage.NONE);
    }

    /**
     * A namespace of {@code blocks} blocks kept in the file {@code image}, created sparse (or grown)
     * to that size when shorter; what one process writes, the next reads. Close it when done.
     */
    public static FakeNamespace image(Path image, long blocks, int blockSize) {
        return new FakeNamespace(blocks, blockSize, false, new FileStorage(image, blocks * blockSize));
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
        storage.read(byteOffset, dst);
    }

    /** Stores {@code src} at {@code byteOffset}; a null {@code src} writes zeroes. */
    synchronized void write(long byteOffset, MemorySegment src, long length) {
        storage.write(byteOffset, src, length);
    }

    /** Closes the image file of an {@link #image} namespace; nothing for the others. Harmless twice. */
    @Override
    public synchronized void close() {
        storage.close();
    }
}
