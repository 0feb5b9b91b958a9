package org.dma4j.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code dma4j nvme perf}: options checked against fixed ranges before the device is opened,
 * then against what the controller offers (queue entries, transfer size, queues granted)
 * before any buffer is allocated. Ctrl-C prints the results so far.
 */
@Command(
        name = "perf",
        mixinStandardHelpOptions = true,
        description = {
            "Measures IOPS, bandwidth and latency (min, avg, percentiles), like spdk_nvme_perf.",
            "Progress goes to stderr, results to stdout; Ctrl-C prints the results so far."
        })
final class PerfCommand implements Callable<Integer> {
    /** The most buffer memory a run pins: queues x depth x block size. */
    static final long MAX_BUFFERS = 1L << 30;

    static final int MAX_QUEUES = 64, MAX_DEPTH = 65535;
    static final double MAX_SECONDS = 86400;

    enum Rw {
        randread,
        randwrite,
        read,
        write,
        randrw,
        rw
    }

    private final Main.Io io;

    @Spec
    CommandSpec spec;

    @Mixin
    DeviceOptions device;

    @Option(
            names = "--ns",
            paramLabel = "NSID",
            converter = Numbers.Number.class,
            description = "namespace ID (default 1)")
    long nsid = 1;

    @Option(
            names = "--qd",
            paramLabel = "N",
            converter = Numbers.Number.class,
            description = "commands in flight per queue, 1.." + MAX_DEPTH
                    + " and below the controller's queue size (default 32)")
    long qd = 32;

    @Option(
            names = "--bs",
            paramLabel = "BYTES",
            converter = Numbers.Size.class,
            description =
                    "bytes per command, a multiple of the block size up to the maximum transfer; 4k, 64k, 1m (default 4k)")
    long bs = 4096;

    @Option(
            names = "--rw",
            paramLabel = "MODE",
            description = "randread, randwrite, read, write, randrw or rw (default randread)")
    Rw rw = Rw.randread;

    @Option(
            names = "--mix",
            paramLabel = "PERCENT",
            converter = Numbers.Number.class,
            description = "percentage of reads with --rw randrw or rw, 0..100 (default 70)")
    Long mix;

    @Option(
            names = "--time",
            paramLabel = "SECONDS",
            converter = Numbers.Seconds.class,
            description = "how long to run, 0.001.." + (int) MAX_SECONDS + " seconds (default 5)")
    double seconds = 5;

    @Option(
            names = "--warmup",
            paramLabel = "SECONDS",
            converter = Numbers.Seconds.class,
            description = "run this long first without measuring (JIT compilation, caches; fio's ramp_time)," + " 0.."
                    + (int) MAX_SECONDS + " seconds (default 0)")
    double warmup = 0;

    @Option(
            names = "--no-latency",
            description = "time no command: rates only, without a clock read per I/O (as fio's gtod_reduce);"
                    + " the latency columns show -")
    boolean noLatency;

    @Option(
            names = "--queues",
            paramLabel = "N",
            converter = Numbers.Number.class,
            description = "I/O queues, one thread each, 1.." + MAX_QUEUES
                    + " and at most what the controller grants (default 1)")
    long queues = 1;

    PerfCommand(Main.Io io) {
        this.io = io;
    }

    /** The fixed ranges; nothing is opened or allocated before these pass. */
    Perf.Options options() {
        Numbers.check(spec, "--ns", nsid, 1, 0xffff_fffeL);
        Numbers.check(spec, "--qd", qd, 1, MAX_DEPTH);
        Numbers.check(spec, "--bs", bs, 512, MAX_BUFFERS);
        Numbers.check(spec, "--time", seconds, 0.001, MAX_SECONDS);
        Numbers.check(spec, "--warmup", warmup, 0, MAX_SECONDS);
        Numbers.check(spec, "--queues", queues, 1, MAX_QUEUES);
        boolean mixed = rw == Rw.randrw || rw == Rw.rw;
        if (mix != null && !mixed) {
            throw new ParameterException(spec.commandLine(), "--mix applies to --rw randrw or rw, not " + rw);
        }
        int read = mixed
                ? (int) Numbers.check(spec, "--mix", mix == null ? 70 : mix, 0, 100)
                : rw.name().endsWith("read") ? 100 : 0;
        if (qd * bs * queues > MAX_BUFFERS) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--queues " + queues + " x --qd " + qd + " x --bs " + bs + " is " + (qd * bs * queues >> 20)
                            + " MiB of buffers; at most " + (MAX_BUFFERS >> 20) + " MiB");
        }
        device.validate();
        return new Perf.Options(
                (int) qd, (int) bs, read, rw.name().startsWith("rand"), seconds, (int) queues, warmup, !noLatency);
    }

    /** What this controller and namespace allow; checked after opening, before any buffer. */
    void checkDevice(NvmeController c, Namespace ns) {
        int maxDepth = c.cap().maxQueueEntries() - 1; // one entry stays empty: a full queue has tail + 1 == head
        if (qd > maxDepth) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--qd must be 1.." + maxDepth + " on this controller (queues of "
                            + c.cap().maxQueueEntries() + " entries, CAP.MQES), not " + qd);
        }
        if (bs % ns.blockSize() != 0 || bs > c.maxTransferBytes() || bs > ns.bytes()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--bs must be a multiple of " + ns.blockSize() + " up to "
                            + Math.min(c.maxTransferBytes(), ns.bytes())
                            + " bytes on this controller (maximum transfer, namespace size), not " + bs);
        }
        if (queues > c.ioQueuesGranted()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--queues must be 1.." + c.ioQueuesGranted() + " on this controller (I/O queues granted), not "
                            + queues);
        }
    }

    @Override
    public Integer call() throws Exception {
        Perf.Options o = options();
        try (DeviceOptions.Opened opened = device.open((int) queues)) {
            Namespace ns = opened.namespace(spec, nsid);
            checkDevice(opened.ctrl(), ns);
            AtomicBoolean cancel = new AtomicBoolean();
            CountDownLatch reported = new CountDownLatch(1);
            // Ctrl-C: the run stops, the results so far print, then the JVM may go.
            Thread hook = Thread.ofPlatform().unstarted(() -> {
                cancel.set(true);
                try {
                    reported.await(15, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                Perf.Result r = Perf.run(opened.ctrl(), ns, o, io.err(), io.terminal(), cancel::get);
                io.out().print(device.json ? PerfReport.json(o, r, o.queues()) : PerfReport.table(o, r, o.queues()));
                io.out().flush();
                return r.interrupted() ? 130 : Main.OK;
            } finally {
                reported.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it returns now that the results are out
                }
            }
        }
    }
}
