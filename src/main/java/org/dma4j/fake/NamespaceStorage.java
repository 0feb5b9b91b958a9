package org.dma4j.fake;

import java.lang.foreign.MemorySegment;

/**
 * Where a fake namespace keeps its blocks: sparse memory ({@link MemoryStorage}), a sparse file
 * ({@link FileStorage}, so data outlives the process, as with QEMU's {@code drive=}), or nothing
 * (a "null" namespace). Implementations are called under the namespace's lock.
 */
interface NamespaceStorage extends AutoCloseable {
    /** Copies [byteOffset, +dst.byteSize()) into {@code dst}; unwritten bytes read as zeroes. */
    void read(long byteOffset, MemorySegment dst);

    /** Stores {@code length} bytes of {@code src} at {@code byteOffset}; a null {@code src} writes zeroes. */
    void write(long byteOffset, MemorySegment src, long length);

    /** Releases what the storage holds open (a file); harmless twice. */
    @Override
    void close();

    /** A "null" namespace's storage: writes vanish, reads leave the buffer as it was. */
    NamespaceStorage NONE = new NamespaceStorage() {
        @Override
        public void read(long byteOffset, MemorySegment dst) {}

        @Override
        public void write(long byteOffset, MemorySegment src, long length) {}

        @Override
        public void close() {}
    };
}
