package org.dma4j.cli;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;
import org.dma4j.nvme.SmartLog;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code dma4j nvme identify|read|write|perf|smart|demo}: the NVMe driver for people, on the fake
 * controller by default ({@code --device fake}, {@code fake-null} whose namespace keeps no data,
 * {@code fake:image=PATH} kept in a file) or on a PCI address bound to vfio-pci.
 */
@Command(
        name = "nvme",
        mixinStandardHelpOptions = true,
        description = "The NVMe driver: identify, read, write, perf, smart, demo (on the fake unless --device BDF).")
final class NvmeCommand implements Callable<Integer> {
    private final Main.Io io;

    private NvmeCommand(Main.Io io) {
        this.io = io;
    }

    static CommandLine commandLine(Main.Io io) {
        return new CommandLine(new NvmeCommand(io))
                .addSubcommand("identify", new Identify(io))
                .addSubcommand("read", new NvmeIo.Read(io))
                .addSubcommand("write", new NvmeIo.Write(io))
                .addSubcommand("perf", new PerfCommand(io))
                .addSubcommand("smart", new Smart(io))
                .addSubcommand("demo", new Demo(io));
    }

    /** Without a subcommand: which ones there are, as a usage error. */
    @Override
    public Integer call() {
        io.err()
                .println(
                        "dma4j nvme: which nvme command? identify, read, write, perf, smart or demo (see `dma4j nvme --help`)");
        return Main.USAGE;
    }

    @Command(name = "identify", mixinStandardHelpOptions = true, description = "The controller and its namespaces.")
    static final class Identify implements Callable<Integer> {
        private final Main.Io io;

        @Mixin
        DeviceOptions device;

        Identify(Main.Io io) {
            this.io = io;
        }

        @Override
        public Integer call() {
            try (DeviceOptions.Opened o = device.open(1)) {
                io.out().print(device.json ? NvmeText.identifyJson(o.ctrl(), o.target()) : NvmeText.identify(o.ctrl()));
            }
            return Main.OK;
        }
    }

    @Command(name = "smart", mixinStandardHelpOptions = true, description = "The SMART / health log.")
    static final class Smart implements Callable<Integer> {
        private final Main.Io io;

        @Mixin
        DeviceOptions device;

        Smart(Main.Io io) {
            this.io = io;
        }

        @Override
        public Integer call() {
            try (DeviceOptions.Opened o = device.open(1)) {
                SmartLog s = o.ctrl().smartLog();
                io.out().print(device.json ? NvmeText.smartJson(s) : NvmeText.smart(s));
            }
            return Main.OK;
        }
    }

    @Command(
            name = "demo",
            mixinStandardHelpOptions = true,
            description = "Identify, write a pattern at LBA 0 and read it back, a 2 s perf run.")
    static final class Demo implements Callable<Integer> {
        private final Main.Io io;

        @Mixin
        DeviceOptions device;

        Demo(Main.Io io) {
            this.io = io;
        }

        @Override
        public Integer call() throws Exception {
            if (device.json) {
                throw new Main.UsageException(
                        "--json: demo prints for people; use identify, read, write or perf --json");
            }
            try (DeviceOptions.Opened o = device.open(1)) {
                NvmeController c = o.ctrl();
                Namespace ns = c.namespace(1);
                io.out().print(NvmeText.identify(c));
                if (o.target().kind() == DeviceOptions.Kind.FAKE_NULL) {
                    io.out()
                            .printf(
                                    "%nverify: skipped: fake-null keeps no data (use --device fake or fake:image=PATH to verify)%n");
                } else if (!verify(c, ns)) {
                    return Main.FAILED;
                }
                io.out().printf("%nperf: 4 KiB random reads, queue depth 32, 2 s%n");
                Perf.Options po = new Perf.Options(32, 4096, 100, true, 2, 1);
                Perf.Result r = Perf.run(c, ns, po, io.err(), io.terminal(), () -> false);
                io.out().print(PerfReport.table(po, r, 1));
            }
            return Main.OK;
        }

        private boolean verify(NvmeController c, Namespace ns) {
            int blocks = (int) Math.min(Math.min(256, ns.blocks()), c.maxTransferBytes() / ns.blockSize());
            long bytes = (long) blocks * ns.blockSize();
            try (IoQueue q = c.createIoQueue(8);
                    DmaBuffer b = c.device().dmaSpace().allocate(bytes);
                    DmaMapping m = c.device().dmaSpace().map(b, DmaDirection.BIDIRECTIONAL)) {
                MemorySegment s = b.segment();
                for (long i = 0; i + 8 <= bytes; i += 8) {
                    s.set(ValueLayout.JAVA_LONG, i, 0x9e37_79b9_7f4a_7c15L * (i + 1));
                }
                byte[] expected = s.asSlice(0, bytes).toArray(ValueLayout.JAVA_BYTE);
                q.write(ns, 0, blocks, m, 0);
                s.fill((byte) 0);
                q.read(ns, 0, blocks, m, 0);
                boolean same = Arrays.equals(expected, s.asSlice(0, bytes).toArray(ValueLayout.JAVA_BYTE));
                io.out()
                        .printf(
                                "%nverify: wrote %d KiB of a pattern at LBA 0, read it back: %s%n",
                                bytes / 1024, same ? "identical" : "DIFFERENT");
                return same;
            }
        }
    }
}
