package org.dma4j.fake;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.dma4j.Dma4jException;

/**
 * Namespace data in a file, which stays sparse (the file is sized with a hole; only written
 * ranges take disk space), so what one process writes the next one reads.
 */
final class FileStorage implements NamespaceStorage {
    private static final int ZEROES = 64 * 1024;

    private final Path path;
    private final FileChannel channel;

    /** Opens (or creates, sparse) {@code path} of exactly {@code bytes} bytes. */
    FileStorage(Path path, long bytes) {
        this.path = path;
        try {
            this.channel = FileChannel.open(
                    path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            if (channel.size() < bytes) {
                channel.write(ByteBuffer.allocate(1), bytes - 1); // extends with a hole
            }
        } catch (IOException e) {
            throw new Dma4jException("cannot open the fake namespace image " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void read(long byteOffset, MemorySegment dst) {
        ByteBuffer b = dst.asByteBuffer();
        try {
            while (b.hasRemaining()) {
                if (channel.read(b, byteOffset + b.position()) < 0) {
                    dst.asSlice(b.position()).fill((byte) 0); // past the end of a file someone truncated
                    return;
                }
            }
        } catch (IOException e) {
            throw new Dma4jException("reading the fake namespace image " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void write(long byteOffset, MemorySegment src, long length) {
        try {
            if (src == null) {
                for (long done = 0; done < length; done += ZEROES) {
                    ByteBuffer z = ByteBuffer.allocate((int) Math.min(ZEROES, length - done));
                    while (z.hasRemaining()) {
                        channel.write(z, byteOffset + done + z.position());
                    }
                }
                return;
            }
            ByteBuffer b = src.asSlice(0, length).asByteBuffer();
            while (b.hasRemaining()) {
                channel.write(b, byteOffset + b.position());
            }
        } catch (IOException e) {
            throw new Dma4jException("writing the fake namespace image " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new Dma4jException("closing the fake namespace image " + path + ": " + e.getMessage(), e);
        }
    }
}
