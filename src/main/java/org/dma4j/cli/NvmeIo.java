package org.dma4j.cli;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.Namespace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code dma4j nvme read} and {@code write}, like nvme-cli's: a range of blocks, to or from a
 * file ({@code --output}, {@code --data}) or a hex dump and a byte pattern. Large ranges move in
 * pieces of the controller's maximum transfer, through one buffer of that size.
 */
final class NvmeIo {
    /** What the first bytes read show as, in text and JSON. */
    static final int HEAD = 256;

    private NvmeIo() {}

    /** The block range options both commands share. */
    static final class Range {
        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        @Option(
                names = "--ns",
                paramLabel = "NSID",
                converter = Numbers.Number.class,
                description = "namespace ID (default 1)")
        long nsid = 1;

        @Option(
                names = "--lba",
                paramLabel = "LBA",
                converter = Numbers.Number.class,
                description = "first block (default 0)")
        long lba;

        void validate() {
            Numbers.check(spec, "--ns", nsid, 1, 0xffff_fffeL);
            Numbers.check(spec, "--lba", lba, 0, Long.MAX_VALUE);
        }

        /** The range must lie inside the namespace; checked before any buffer is allocated. */
        void checkInside(Namespace ns, long blocks) {
            if (lba >= ns.blocks() || blocks > ns.blocks() - lba) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--lba " + lba + " --blocks " + blocks + " runs past the end of namespace " + ns.nsid() + " ("
                                + ns.blocks() + " blocks, LBA 0.." + (ns.blocks() - 1) + ")");
            }
        }
    }

    /** One piece of a transfer: fills the buffer before a write, or takes the data after a read. */
    private interface Piece {
        void run(MemorySegment buf, long blocksDone) throws IOException;
    }

    private static void transfer(
            DeviceOptions.Opened o, Namespace ns, long lba, long blocks, DmaDirection dir, Piece piece)
            throws IOException {
        int max = (int) Math.max(1, Math.min(Math.min(o.ctrl().maxTransferBytes() / ns.blockSize(), 65536), blocks));
        try (IoQueue q = o.ctrl().createIoQueue(2);
                DmaBuffer b = o.ctrl().device().dmaSpace().allocate((long) max * ns.blockSize());
                DmaMapping m = o.ctrl().device().dmaSpace().map(b, dir)) {
            for (long done = 0; done < blocks; done += max) {
                int n = (int) Math.min(max, blocks - done);
                MemorySegment slice = b.segment().asSlice(0, (long) n * ns.blockSize());
                if (dir == DmaDirection.TO_DEVICE) {
                    piece.run(slice, done);
                    q.write(ns, lba + done, n, m, 0);
                } else {
                    q.read(ns, lba + done, n, m, 0);
                    piece.run(slice, done);
                }
            }
            if (dir == DmaDirection.TO_DEVICE) {
                q.flush(ns);
            }
        }
    }

    @Command(
            name = "read",
            mixinStandardHelpOptions = true,
            description = "Reads blocks: a hex dump of the first 256 bytes, or all of them into --output FILE.")
    static final class Read implements Callable<Integer> {
        private final Main.Io io;

        @Mixin
        DeviceOptions device;

        @Mixin
        Range range;

        @Option(
                names = "--blocks",
                paramLabel = "N",
                converter = Numbers.Number.class,
                description = "blocks to read (default 1)")
        long blocks = 1;

        @Option(
                names = "--output",
                paramLabel = "FILE",
                description = "write the data read to FILE (created or replaced)")
        Path output;

        Read(Main.Io io) {
            this.io = io;
        }

        @Override
        public Integer call() throws IOException {
            range.validate();
            Numbers.check(range.spec, "--blocks", blocks, 1, Long.MAX_VALUE);
            device.validate();
            if (output != null && Files.isDirectory(output)) {
                throw new ParameterException(
                        range.spec.commandLine(), "--output " + output + " is a directory; give a file");
            }
            try (DeviceOptions.Opened o = device.open(1)) {
                Namespace ns = o.namespace(range.spec, range.nsid);
                range.checkInside(ns, blocks);
                if (o.target().kind() == DeviceOptions.Kind.FAKE_NULL) {
                    io.err()
                            .println(
                                    "dma4j nvme read: note: fake-null keeps no data; what it reads is the buffer as it was");
                }
                byte[] head = new byte[(int) Math.min(HEAD, blocks * ns.blockSize())];
                try (FileChannel file = output == null
                        ? null
                        : FileChannel.open(
                                output,
                                StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE,
                                StandardOpenOption.TRUNCATE_EXISTING)) {
                    transfer(o, ns, range.lba, blocks, DmaDirection.FROM_DEVICE, (buf, done) -> {
                        if (done == 0) {
                            MemorySegment.ofArray(head).copyFrom(buf.asSlice(0, head.length));
                        }
                        if (file != null) {
                            ByteBuffer bb = buf.asByteBuffer();
                            while (bb.hasRemaining()) {
                                file.write(bb);
                            }
                        }
                    });
                }
                long bytes = blocks * ns.blockSize();
                MemorySegment h = MemorySegment.ofArray(head);
                if (device.json) {
                    io.out()
                            .printf(
                                    "{\"device\":%s,\"nsid\":%d,\"lba\":%d,\"blocks\":%d,\"bytes\":%d,\"output\":%s,\"head\":\"%s\"}%n",
                                    Json.string(o.target().toString()),
                                    ns.nsid(),
                                    range.lba,
                                    blocks,
                                    bytes,
                                    output == null ? "null" : Json.string(output.toString()),
                                    NvmeText.hex(h));
                } else if (output != null) {
                    io.out()
                            .printf(
                                    "read %d blocks (%d bytes) at LBA %d of namespace %d into %s%n",
                                    blocks, bytes, range.lba, ns.nsid(), output);
                } else {
                    io.out().printf("read %d blocks at LBA %d of namespace %d:%n", blocks, range.lba, ns.nsid());
                    io.out().print(NvmeText.hexdump(h));
                }
            }
            return Main.OK;
        }
    }

    @Command(
            name = "write",
            mixinStandardHelpOptions = true,
            description =
                    "Writes blocks: a byte pattern (default 0xa5), or the contents of --data FILE (padded with zeroes).")
    static final class Write implements Callable<Integer> {
        private final Main.Io io;

        @Mixin
        DeviceOptions device;

        @Mixin
        Range range;

        @Option(
                names = "--blocks",
                paramLabel = "N",
                converter = Numbers.Number.class,
                description = "blocks to write (default 1, or as many as --data FILE fills)")
        Long blocks;

        @Option(
                names = "--pattern",
                paramLabel = "BYTE",
                converter = Numbers.Number.class,
                description = "the byte every block is filled with, 0..255 or 0x00..0xff (default 0xa5)")
        Long pattern;

        @Option(names = "--data", paramLabel = "FILE", description = "write the contents of FILE instead of a pattern")
        Path data;

        Write(Main.Io io) {
            this.io = io;
        }

        @Override
        public Integer call() throws IOException {
            range.validate();
            CommandSpec spec = range.spec;
            if (blocks != null) {
                Numbers.check(spec, "--blocks", blocks, 1, Long.MAX_VALUE);
            }
            if (pattern != null) {
                Numbers.check(spec, "--pattern", pattern, 0, 0xff);
            }
            if (pattern != null && data != null) {
                throw new ParameterException(spec.commandLine(), "--pattern and --data: give one of them");
            }
            long dataBytes = 0;
            if (data != null) {
                if (!Files.exists(data)) {
                    throw new ParameterException(spec.commandLine(), "--data " + data + ": no such file");
                }
                if (!Files.isRegularFile(data)) {
                    throw new ParameterException(spec.commandLine(), "--data " + data + " is not a regular file");
                }
                dataBytes = Files.size(data);
                if (dataBytes == 0) {
                    throw new ParameterException(spec.commandLine(), "--data " + data + " is empty; nothing to write");
                }
            }
            device.validate();
            try (DeviceOptions.Opened o = device.open(1)) {
                Namespace ns = o.namespace(spec, range.nsid);
                long n = blocks != null ? blocks : data != null ? (dataBytes + ns.blockSize() - 1) / ns.blockSize() : 1;
                if (data != null && dataBytes > n * ns.blockSize()) {
                    throw new ParameterException(
                            spec.commandLine(),
                            "--data " + data + " is " + dataBytes + " bytes, more than --blocks " + n + " of "
                                    + ns.blockSize() + " bytes hold");
                }
                range.checkInside(ns, n);
                byte fill = (byte) (pattern == null ? 0xa5 : pattern.intValue());
                try (FileChannel file = data == null ? null : FileChannel.open(data, StandardOpenOption.READ)) {
                    transfer(o, ns, range.lba, n, DmaDirection.TO_DEVICE, (buf, done) -> {
                        if (file == null) {
                            buf.fill(fill);
                            return;
                        }
                        buf.fill((byte) 0); // the tail past the file's end is zeroes
                        ByteBuffer bb = buf.asByteBuffer();
                        while (bb.hasRemaining() && file.read(bb) >= 0) {
                            // until the piece is full or the file ends
                        }
                    });
                }
                note(o);
                long bytes = n * ns.blockSize();
                if (device.json) {
                    io.out()
                            .printf(
                                    "{\"device\":%s,\"nsid\":%d,\"lba\":%d,\"blocks\":%d,\"bytes\":%d,\"data\":%s,\"pattern\":%s}%n",
                                    Json.string(o.target().toString()),
                                    ns.nsid(),
                                    range.lba,
                                    n,
                                    bytes,
                                    data == null ? "null" : Json.string(data.toString()),
                                    data == null ? String.valueOf(fill & 0xff) : "null");
                } else if (data != null) {
                    io.out()
                            .printf(
                                    "wrote %d blocks at LBA %d of namespace %d from %s (%d bytes, zero-padded to %d)%n",
                                    n, range.lba, ns.nsid(), data, dataBytes, bytes);
                } else {
                    io.out()
                            .printf(
                                    "wrote %d blocks of 0x%02x at LBA %d of namespace %d%n",
                                    n, fill & 0xff, range.lba, ns.nsid());
                }
            }
            return Main.OK;
        }

        private void note(DeviceOptions.Opened o) {
            switch (o.target().kind()) {
                case FAKE ->
                    io.err()
                            .println("dma4j nvme write: note: the fake keeps data only while this process runs; "
                                    + "--device fake:image=PATH keeps it in a file for the next run");
                case FAKE_NULL ->
                    io.err().println("dma4j nvme write: note: fake-null keeps no data; the write went nowhere");
                default -> {}
            }
        }
    }
}
