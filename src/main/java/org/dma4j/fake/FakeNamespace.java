package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.nvme.LbaFormat;

/**
 * A namespace of the fake NVMe controller: its size, its LBA formats (QEMU's eight by default:
 * 512 B and 4 KiB, each with 0, 8, 16 or 64 bytes of metadata) and the one in use, with the
 * metadata inline (extended LBA) or separate and optional protection information, as QEMU's
 * {@code nvme-ns} device takes them ({@code ms}, {@code mset}, {@code pi}, {@code pil}). Data
 * data is kept sparse in memory, or in a sparse image file that outlives the process
 * ({@link #image}); metadata is kept sparse in memory. Unwritten data reads as zeroes, unwritten
 * metadata as zeroes, or 0xff with protection information (which turns its checks off, as
 * QEMU does for unwritten blocks). A "null" namespace keeps no data and moves none, for
 * measuring the driver alone. Instances are immutable in shape; the data is thread-safe.
 * Whoever makes an {@link #image} namespace closes it.
 */
public final class FakeNamespace implements AutoCloseable {
    /** QEMU 7.2's nvme-ns LBA formats, in its order. */
    private static final List<LbaFormat> QEMU_FORMATS = List.of(
            new LbaFormat(512, 0, 0),
            new LbaFormat(512, 8, 0),
            new LbaFormat(512, 16, 0),
            new LbaFormat(512, 64, 0),
            new LbaFormat(4096, 0, 0),
            new LbaFormat(4096, 8, 0),
            new LbaFormat(4096, 16, 0),
            new LbaFormat(4096, 64, 0));

    private final long blocks;
    private final List<LbaFormat> formats;
    private final int formatIndex;
    private final boolean extended;
    private final int piType;
    private final boolean piFirst;
    private final NamespaceStorage data;
    private final MemoryStorage meta;

    private FakeNamespace(
            long blocks,
            List<LbaFormat> formats,
            int formatIndex,
            boolean extended,
            int piType,
            boolean piFirst,
            NamespaceStorage data) {
        if (formats.isEmpty() || formats.size() > 64 || formatIndex < 0 || formatIndex >= formats.size()) {
            throw new IllegalArgumentException("a namespace has 1 to 64 LBA formats and uses one of them, not index "
                    + formatIndex + " of " + formats.size());
        }
        LbaFormat f = formats.get(formatIndex);
        int ds = f.dataSize();
        if (ds < 512 || ds > (2 << 20) || Integer.bitCount(ds) != 1) {
            throw new IllegalArgumentException(
                    "block size " + ds + ": a power of two between 512 B and 2 MiB, as QEMU takes");
        }
        if (f.metadataSize() < 0 || f.metadataSize() > 0xffff) {
            throw new IllegalArgumentException("metadata size " + f.metadataSize() + " does not fit MS (16 bits)");
        }
        if (piType < 0 || piType > 3) {
            throw new IllegalArgumentException("protection information type " + piType + ": 0 (none), 1, 2 or 3");
        }
        if (piType != 0 && f.metadataSize() < 8) {
            throw new IllegalArgumentException("protection information needs at least 8 bytes of metadata, not "
                    + f.metadataSize() + " (as QEMU says)");
        }
        if (data == NamespaceStorage.NONE && f.metadataSize() != 0) {
            throw new IllegalArgumentException("a null namespace has no metadata");
        }
        this.blocks = blocks;
        this.formats = List.copyOf(formats);
        this.formatIndex = formatIndex;
        this.extended = extended && f.metadataSize() != 0; // QEMU sets FLBAS bit 4 only with metadata
        this.piType = piType;
        this.piFirst = piFirst && piType != 0;
        this.data = data;
        this.meta = new MemoryStorage(piType != 0 ? (byte) 0xff : 0);
    }

    /** A namespace of {@code blocks} blocks of {@code blockSize} bytes, no metadata, backed by sparse memory. */
    public static FakeNamespace of(long blocks, int blockSize) {
        return qemu(blocks, blockSize, 0, false, 0, false, new MemoryStorage());
    }

    /** A namespace that stores and moves nothing: writes vanish, reads leave the buffer as it was. */
    public static FakeNamespace nul(long blocks, int blockSize) {
        return qemu(blocks, blockSize, 0, false, 0, false, NamespaceStorage.NONE);
    }

    /**
     * A namespace of {@code blocks} blocks of {@code blockSize} bytes, no metadata, kept in the file
     * {@code image}, created sparse (or grown) to that size when shorter; what one process writes,
     * the next reads. Close it when done.
     */
    public static FakeNamespace image(Path image, long blocks, int blockSize) {
        if (blocks <= 0 || blockSize <= 0 || blocks > Long.MAX_VALUE / blockSize) {
            throw new IllegalArgumentException(
                    blocks + " blocks of " + blockSize + " B: both must be positive and fit 64 bits");
        }
        FileStorage storage = new FileStorage(image, blocks * blockSize);
        try {
            return qemu(blocks, blockSize, 0, false, 0, false, storage);
        } catch (RuntimeException e) {
            storage.close();
            throw e;
        }
    }

    /**
     * This namespace's size and block size with {@code ms} metadata bytes per block, inline at the
     * end of each block ({@code extended}, QEMU's {@code mset=1}) or in a separate buffer the
     * host points to with MPTR ({@code mset=0}). A new namespace, empty.
     */
    public FakeNamespace withMetadata(int ms, boolean extended) {
        return qemu(blocks, dataSize(), ms, extended, piType, piFirst, new MemoryStorage());
    }

    /**
     * This namespace with protection information of {@code type} (1 to 3; QEMU's {@code pi}) in the
     * first 8 bytes of the metadata ({@code first}, QEMU's {@code pil=1}) or the last 8. A new namespace, empty.
     */
    public FakeNamespace withProtection(int type, boolean first) {
        return new FakeNamespace(blocks, formats, formatIndex, extended, type, first, new MemoryStorage());
    }

    /**
     * A namespace offering exactly {@code formats} (1 to 64) and using {@code index} of them, for
     * controllers unlike QEMU (more than 16 formats put the index's upper bits in FLBAS bits 6:5).
     */
    public static FakeNamespace withFormats(long blocks, List<LbaFormat> formats, int index, boolean extended) {
        return new FakeNamespace(blocks, formats, index, extended, 0, false, new MemoryStorage());
    }

    /** QEMU's formats; a (size, ms) pair it does not list is appended as a ninth, as QEMU does. */
    private static FakeNamespace qemu(
            long blocks, int ds, int ms, boolean extended, int pi, boolean first, NamespaceStorage data) {
        List<LbaFormat> formats = new ArrayList<>(QEMU_FORMATS);
        int index = formats.indexOf(new LbaFormat(ds, ms, 0));
        if (index < 0) {
            formats.add(new LbaFormat(ds, ms, 0));
            index = formats.size() - 1;
        }
        return new FakeNamespace(blocks, formats, index, extended, pi, first, data);
    }

    public long blocks() {
        return blocks;
    }

    /** Bytes of data per block (2^LBADS of the format in use). */
    public int blockSize() {
        return dataSize();
    }

    int dataSize() {
        return formats.get(formatIndex).dataSize();
    }

    int metadataSize() {
        return formats.get(formatIndex).metadataSize();
    }

    List<LbaFormat> formats() {
        return formats;
    }

    int formatIndex() {
        return formatIndex;
    }

    boolean extended() {
        return extended;
    }

    int piType() {
        return piType;
    }

    boolean piFirst() {
        return piFirst;
    }

    boolean isNull() {
        return data == NamespaceStorage.NONE;
    }

    /** Copies blocks at {@code slba}: their data into {@code dst}, their metadata into {@code md} (null: none). */
    synchronized void read(long slba, MemorySegment dst, MemorySegment md) {
        data.read(slba * dataSize(), dst);
        if (md != null) {
            meta.read(slba * metadataSize(), md);
        }
    }

    /** Stores blocks from {@code slba}: data from {@code src}, metadata from {@code md} (null: none). */
    synchronized void write(long slba, MemorySegment src, MemorySegment md) {
        data.write(slba * dataSize(), src, src.byteSize());
        if (md != null) {
            meta.write(slba * metadataSize(), md, md.byteSize());
        }
    }

    /** Zeroes {@code nlb} blocks at {@code slba} and resets their metadata to unwritten. */
    synchronized void zero(long slba, long nlb) {
        data.write(slba * dataSize(), null, nlb * dataSize());
        meta.write(slba * metadataSize(), null, nlb * metadataSize());
    }

    /** Closes the image file of an {@link #image} namespace; nothing for the others. Harmless twice. */
    @Override
    public synchronized void close() {
        data.close();
    }
}
