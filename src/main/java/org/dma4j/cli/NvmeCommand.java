package org.dma4j.cli;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNamespace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaSpaces;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.IdentifyController;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;
import org.dma4j.nvme.SmartLog;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;

/**
 * {@code dma4j nvme identify|read|write|perf|smart|demo}: the NVMe driver for people, on the fake
 * controller by default ({@code --device fake}, or {@code fake-null} whose namespace moves no
 * data) or on a PCI address bound to vfio-pci ({@code --device 0000:01:00.0}, {@code --iommu} to
 * force a backend).
 */
final class NvmeCommand {
    static final String USAGE = """
            usage: dma4j nvme <identify|read|write|perf|smart|demo> [--device fake|fake-null|BDF] [--iommu type1|iommufd|noiommu]
              identify                          controller and namespaces
              read  --lba N --blocks N [--ns N] prints the first bytes read
              write --lba N --blocks N [--ns N] [--pattern 0xAB]
              perf  [--qd 32] [--bs 4096] [--rw randread|randwrite|read|write|randrw] [--mix 70] [--time 5] [--queues 1]
              smart                             the SMART / health log
              demo                              identify, write a pattern, read it back and verify, a short perf
            """;
    private static final Set<String> VALUED = Set.of("--device", "--iommu", "--lba", "--blocks", "--ns", "--pattern", "--qd",
            "--bs", "--rw", "--mix", "--time", "--queues");

    private NvmeCommand() {}

    /** The device, its DMA space and the controller, closed in the right order. */
    private record Opened(PciDevice device, NvmeController ctrl) implements AutoCloseable {
        @Override
        public void close() {
            try {
                ctrl.close();
            } finally {
                device.close();
                device.dmaSpace().close();
            }
        }
    }

    static int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        if (args.isEmpty()) {
            throw new Main.UsageException("which nvme command?\n" + USAGE);
        }
        String sub = args.get(0);
        Map<String, String> opt = options(args.subList(1, args.size()));
        if (opt.containsKey("--iommu")) {
            System.setProperty(DmaSpaces.PROPERTY, opt.get("--iommu"));
        }
        try (Opened o = open(opt.getOrDefault("--device", "fake"))) {
            Namespace ns = o.ctrl.namespace(intOpt(opt, "--ns", 1));
            return switch (sub) {
                case "identify" -> identify(o.ctrl, out);
                case "smart" -> smart(o.ctrl.smartLog(), out);
                case "read" -> read(o.ctrl, ns, opt, out);
                case "write" -> write(o.ctrl, ns, opt, out);
                case "perf" -> perf(o.ctrl, ns, opt, out);
                case "demo" -> demo(o.ctrl, ns, out);
                default -> throw new Main.UsageException("unknown nvme command '" + sub + "'\n" + USAGE);
            };
        }
    }

    private static Map<String, String> options(List<String> args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!VALUED.contains(a) || i + 1 >= args.size()) {
                throw new Main.UsageException((VALUED.contains(a) ? a + " needs a value" : "unknown option '" + a + "'") + "\n" + USAGE);
            }
            m.put(a, args.get(++i));
        }
        return m;
    }

    private static int intOpt(Map<String, String> opt, String name, int dflt) {
        try {
            return opt.containsKey(name) ? Integer.decode(opt.get(name)) : dflt;
        } catch (NumberFormatException e) {
            throw new Main.UsageException(name + " takes a number, not '" + opt.get(name) + "'");
        }
    }

    private static Opened open(String device) {
        PciDevice dev;
        if (device.equals("fake") || device.equals("fake-null")) {
            FakeNvme.Config c = FakeNvme.Config.defaults();
            if (device.equals("fake-null")) {
                c = c.withNamespaces(FakeNamespace.nul(1L << 31, 512));
            }
            dev = FakeNvme.device(PciAddress.parse("0000:00:04.0"), FakeDmaSpace.open(), new FakeNvme(c));
        } else {
            PciAddress a;
            try {
                a = PciAddress.parse(device);
            } catch (IllegalArgumentException e) {
                throw new Main.UsageException("--device takes fake, fake-null or a PCI address: " + e.getMessage());
            }
            dev = VfioPciDevice.open(a);
        }
        try {
            return new Opened(dev, NvmeController.open(dev));
        } catch (RuntimeException e) {
            dev.close();
            dev.dmaSpace().close();
            throw e;
        }
    }

    private static int identify(NvmeController c, PrintStream out) {
        IdentifyController id = c.identify();
        out.printf("controller %s (%s)%n", c.device().address(), c.device().dmaSpace().backend());
        out.printf("  model      %s%n  serial     %s%n  firmware   %s%n  vendor     %04x%n  version    %s%n",
                id.model(), id.serial(), id.firmware(), id.vendor(), c.version());
        out.printf("  max xfer   %d KiB (MDTS %d)%n  I/O queues %d granted, up to %d entries%n", c.maxTransferBytes() / 1024,
                id.mdts(), c.ioQueuesGranted(), c.cap().maxQueueEntries());
        for (Namespace ns : c.namespaces()) {
            out.printf("  namespace %d: %d blocks of %d B%s = %.1f MiB (formats %s)%s%n", ns.nsid(), ns.blocks(), ns.dataSize(),
                    ns.metadataSize() == 0 ? "" : " (" + ns.describe() + ")", ns.bytes() / (double) (1 << 20), ns.formats(),
                    ns.isSupported() ? "" : "; dma4j cannot read or write it");
        }
        return 0;
    }

    private static int smart(SmartLog s, PrintStream out) {
        out.printf("  critical warning   %d%n  temperature        %d K (%d C)%n  available spare    %d %%%n  percentage used    %d %%%n",
                s.criticalWarning(), s.temperatureKelvin(), s.temperatureKelvin() - 273, s.availableSpare(), s.percentageUsed());
        out.printf("  data units read    %d%n  data units written %d%n  host reads         %d%n  host writes        %d%n",
                s.dataUnitsRead(), s.dataUnitsWritten(), s.hostReads(), s.hostWrites());
        out.printf("  power-on hours     %d%n  unsafe shutdowns   %d%n  media errors       %d%n", s.powerOnHours(),
                s.unsafeShutdowns(), s.mediaErrors());
        return 0;
    }

    private static int read(NvmeController c, Namespace ns, Map<String, String> opt, PrintStream out) {
        long lba = intOpt(opt, "--lba", 0);
        int blocks = intOpt(opt, "--blocks", 1);
        try (IoQueue q = c.createIoQueue(8); DmaBuffer b = c.device().dmaSpace().allocate((long) blocks * ns.blockSize());
             DmaMapping m = c.device().dmaSpace().map(b, DmaDirection.FROM_DEVICE)) {
            q.read(ns, lba, blocks, m, 0);
            out.printf("read %d blocks at LBA %d of namespace %d:%n", blocks, lba, ns.nsid());
            hexdump(b.segment().asSlice(0, Math.min(256, (long) blocks * ns.blockSize())), out);
        }
        return 0;
    }

    private static int write(NvmeController c, Namespace ns, Map<String, String> opt, PrintStream out) {
        long lba = intOpt(opt, "--lba", 0);
        int blocks = intOpt(opt, "--blocks", 1);
        int pattern = intOpt(opt, "--pattern", 0xa5);
        try (IoQueue q = c.createIoQueue(8); DmaBuffer b = c.device().dmaSpace().allocate((long) blocks * ns.blockSize());
             DmaMapping m = c.device().dmaSpace().map(b, DmaDirection.TO_DEVICE)) {
            b.segment().fill((byte) pattern);
            q.write(ns, lba, blocks, m, 0);
            q.flush(ns);
            out.printf("wrote %d blocks of 0x%02x at LBA %d of namespace %d%n", blocks, pattern & 0xff, lba, ns.nsid());
        }
        return 0;
    }

    private static int perf(NvmeController c, Namespace ns, Map<String, String> opt, PrintStream out) throws Exception {
        String rw = opt.getOrDefault("--rw", "randread");
        int read = switch (rw) {
            case "randread", "read" -> 100;
            case "randwrite", "write" -> 0;
            case "randrw", "rw" -> intOpt(opt, "--mix", 70);
            default -> throw new Main.UsageException("--rw takes randread, randwrite, read, write or randrw, not '" + rw + "'");
        };
        double seconds;
        try {
            seconds = Double.parseDouble(opt.getOrDefault("--time", "5"));
        } catch (NumberFormatException e) {
            throw new Main.UsageException("--time takes seconds, not '" + opt.get("--time") + "'");
        }
        Perf.Options o = new Perf.Options(intOpt(opt, "--qd", 32), intOpt(opt, "--bs", 4096), read, rw.startsWith("rand"),
                seconds, intOpt(opt, "--queues", 1));
        Perf.Result r = Perf.run(c, ns, o, out);
        out.print(Perf.table(o, r, Math.min(o.queues(), c.ioQueuesGranted())));
        return 0;
    }

    /** The README's main job: identify, write a pattern and read it back, a short perf. */
    private static int demo(NvmeController c, Namespace ns, PrintStream out) throws Exception {
        identify(c, out);
        int blocks = (int) Math.min(256, ns.blocks());
        long bytes = (long) blocks * ns.blockSize();
        try (IoQueue q = c.createIoQueue(8); DmaBuffer b = c.device().dmaSpace().allocate(bytes);
             DmaMapping m = c.device().dmaSpace().map(b, DmaDirection.BIDIRECTIONAL)) {
            MemorySegment s = b.segment();
            for (long i = 0; i < bytes; i += 8) {
                s.set(ValueLayout.JAVA_LONG, i, 0x9e37_79b9_7f4a_7c15L * (i + 1));
            }
            byte[] expected = s.asSlice(0, bytes).toArray(ValueLayout.JAVA_BYTE);
            q.write(ns, 0, blocks, m, 0);
            s.fill((byte) 0);
            q.read(ns, 0, blocks, m, 0);
            boolean same = java.util.Arrays.equals(expected, s.asSlice(0, bytes).toArray(ValueLayout.JAVA_BYTE));
            out.printf("%nverify: wrote %d KiB of a pattern at LBA 0, read it back: %s%n", bytes / 1024, same ? "identical" : "DIFFERENT");
            if (!same) {
                return 1;
            }
        }
        out.printf("%nperf: 4 KiB random reads, queue depth 32, 2 s%n");
        Perf.Options o = new Perf.Options(32, 4096, 100, true, 2, 1);
        out.print(Perf.table(o, Perf.run(c, ns, o, out), 1));
        return 0;
    }

    private static void hexdump(MemorySegment s, PrintStream out) {
        for (long off = 0; off < s.byteSize(); off += 16) {
            StringBuilder sb = new StringBuilder(String.format("  %04x ", off));
            for (long i = off; i < Math.min(off + 16, s.byteSize()); i++) {
                sb.append(String.format(" %02x", s.get(ValueLayout.JAVA_BYTE, i)));
            }
            out.println(sb);
        }
    }
}
