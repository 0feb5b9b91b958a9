package org.dma4j.cli;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.zip.CRC32;
import org.dma4j.Dma4jException;
import org.dma4j.edu.EduDevice;
import org.dma4j.edu.EduRegs;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.edu.FakeEdu;
import org.dma4j.iommu.Backend;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaMask;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.iommu.DmaSpaces;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.IrqType;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code dma4j edu selftest}: QEMU's edu device checked end to end in one line per check
 * (identify, liveness, factorial, a DMA round trip with a checksum, each interrupt kind the
 * device offers), on the fake ({@code --device fake}, the default) or a PCI address bound to
 * vfio-pci. Exit 0 when every check passed, 1 when one failed.
 */
@Command(
        name = "edu",
        mixinStandardHelpOptions = true,
        description = "QEMU's educational DMA device (-device edu): selftest (on the fake unless --device BDF).")
final class EduCommand implements Callable<Integer> {
    private final Main.Io io;

    private EduCommand(Main.Io io) {
        this.io = io;
    }

    static CommandLine commandLine(Main.Io io) {
        return new CommandLine(new EduCommand(io)).addSubcommand("selftest", new Selftest(io));
    }

    @Override
    public Integer call() {
        io.err().println("dma4j edu: which edu command? selftest (see `dma4j edu --help`)");
        return Main.USAGE;
    }

    /** What {@code --device} names: the fake, or a PCI address. */
    record Target(PciAddress address) {
        boolean isFake() {
            return address == null;
        }

        @Override
        public String toString() {
            return isFake() ? "fake" : address.toString();
        }
    }

    /** Picocli converter for {@code --device}. */
    static final class TargetConverter implements ITypeConverter<Target> {
        @Override
        public Target convert(String v) {
            if (v.equals("fake")) {
                return new Target(null);
            }
            try {
                return new Target(PciAddress.parse(v));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + v + "' is not fake or a PCI address like 0000:00:10.0");
            }
        }
    }

    @Command(
            name = "selftest",
            mixinStandardHelpOptions = true,
            description = {
                "Identify, liveness, factorial, a DMA round trip with a checksum, and each interrupt kind the"
                        + " device offers (MSI, INTx): one line per check.",
                "Exit 0 when all passed, 1 when one failed."
            })
    static final class Selftest implements Callable<Integer> {
        private final Main.Io io;

        @Spec
        CommandSpec spec;

        @Option(
                names = "--device",
                paramLabel = "fake|BDF",
                converter = TargetConverter.class,
                description = "the in-process fake edu (default), or a PCI address bound to vfio-pci")
        Target target = new Target(null);

        @Option(
                names = "--iommu",
                paramLabel = "type1|iommufd|noiommu",
                converter = DeviceOptions.BackendConverter.class,
                description = "force the IOMMU backend of a PCI device (default: the best this machine has)")
        Backend iommu;

        @Option(
                names = "--dma-mask",
                paramLabel = "MASK",
                converter = Numbers.Number.class,
                description = "the device's DMA mask, as QEMU's dma_mask (default 0xfffffff, edu's 28 bits)")
        long dmaMask = (1L << EduRegs.DEFAULT_DMA_BITS) - 1;

        @Option(
                names = "--timeout",
                paramLabel = "SECONDS",
                converter = Numbers.Seconds.class,
                description = "deadline of each wait (default 10)")
        double timeout = 10;

        private int failed;

        Selftest(Main.Io io) {
            this.io = io;
        }

        @Override
        public Integer call() {
            if (iommu != null && target.isFake()) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--iommu applies to a PCI device; the fake (--device fake)" + " has its own IOMMU");
            }
            DmaMask mask;
            try {
                mask = DmaMask.of(dmaMask);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--dma-mask: " + e.getMessage());
            }
            Numbers.check(spec, "--timeout", timeout, 0.001, 3600);
            EduDevice.Options options =
                    EduDevice.Options.defaults().with(mask).with(Duration.ofNanos((long) (timeout * 1e9)));
            PciDevice dev = open();
            try {
                run(dev, options);
            } finally {
                dev.close();
                dev.dmaSpace().close();
            }
            io.out().println(failed == 0 ? "selftest: all checks passed" : "selftest: " + failed + " check(s) FAILED");
            return failed == 0 ? Main.OK : Main.FAILED;
        }

        private PciDevice open() {
            if (target.isFake()) {
                return FakeEdu.device(PciAddress.parse("0000:00:10.0"), FakeDmaSpace.open(), new FakeEdu());
            }
            String bdf = target.address().toString();
            DmaSpace space = iommu == null ? DmaSpaces.open(bdf) : DmaSpaces.open(iommu, bdf);
            try {
                return VfioPciDevice.open(target.address(), space);
            } catch (RuntimeException e) {
                space.close();
                throw e;
            }
        }

        private void run(PciDevice dev, EduDevice.Options options) {
            EduDevice opened;
            try {
                opened = EduDevice.open(dev, options);
            } catch (Dma4jException e) {
                line("identify", null, Main.firstLine(e.getMessage()));
                return;
            }
            try (EduDevice edu = opened) {
                line(
                        "identify",
                        "edu " + edu.version() + " at " + target + " ("
                                + dev.dmaSpace().backend() + ", " + options.dmaMask() + ")",
                        null);
                check("liveness", () -> {
                    for (int v : new int[] {0, -1, 0x12345678, 0x5a5a_a5a5}) {
                        edu.checkLiveness(v);
                    }
                    return "4 values read back inverted";
                });
                check("factorial", () -> {
                    long[] want = {
                        1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600, 1932053504L
                    };
                    for (int n = 0; n < want.length; n++) {
                        long got = edu.factorial(n);
                        if (got != want[n]) {
                            throw new Dma4jException(n + "! came back as " + got + ", not " + want[n]);
                        }
                    }
                    return "0! to 13! (32-bit) correct";
                });
                check("dma", () -> dmaRoundTrip(edu, dev.dmaSpace()));
            }
            List<IrqType> kinds = new ArrayList<>();
            for (IrqType t : List.of(IrqType.MSI, IrqType.INTX)) {
                if (dev.interruptCount(t) > 0) {
                    kinds.add(t);
                }
            }
            if (kinds.isEmpty()) {
                line("interrupt", "the device offers neither MSI nor INTx", "no interrupt to test");
            }
            for (IrqType t : kinds) {
                EduDevice.Completion c = t == IrqType.MSI ? EduDevice.Completion.MSI : EduDevice.Completion.INTX;
                check("interrupt " + t, () -> {
                    try (EduDevice edu = EduDevice.open(dev, options.with(c))) {
                        edu.raiseAndAcknowledge(0x10000);
                        long f = edu.factorial(5);
                        if (f != 120) {
                            throw new Dma4jException("5! came back as " + f);
                        }
                        dmaRoundTrip(edu, dev.dmaSpace());
                        return "raised, factorial and DMA completions delivered and acknowledged";
                    }
                });
            }
        }

        /** 4095 random bytes (all QEMU 7.2 lets a transfer reach) to the device and back; the CRC-32 of both must agree. */
        private static String dmaRoundTrip(EduDevice edu, DmaSpace space) {
            try (DmaBuffer mem = space.allocate(8192);
                    DmaMapping out = space.map(mem, 0, 4096, DmaDirection.TO_DEVICE, null);
                    DmaMapping in = space.map(mem, 4096, 4096, DmaDirection.FROM_DEVICE, null)) {
                byte[] data = new byte[EduRegs.BUFFER_END];
                new Random().nextBytes(data);
                out.memory().copyFrom(MemorySegment.ofArray(data));
                in.memory().fill((byte) 0);
                edu.toDevice(out, 0, 0, data.length);
                edu.fromDevice(0, in, 0, data.length);
                long sent = crc(data);
                long back = crc(in.memory().asSlice(0, data.length).toArray(ValueLayout.JAVA_BYTE));
                if (sent != back) {
                    throw new Dma4jException(String.format(
                            "%d bytes sent with CRC-32 0x%08x came back with 0x%08x", data.length, sent, back));
                }
                return String.format(
                        "%d bytes to the device and back at %s and %s, CRC-32 0x%08x both ways",
                        data.length, out.iova(), in.iova(), sent);
            }
        }

        private static long crc(byte[] b) {
            CRC32 c = new CRC32();
            c.update(b);
            return c.getValue();
        }

        private interface Step {
            String run();
        }

        private void check(String name, Step step) {
            try {
                line(name, step.run(), null);
            } catch (Dma4jException | IllegalArgumentException e) {
                line(name, null, Main.firstLine(e.getMessage()));
            }
        }

        private void line(String name, String ok, String failure) {
            if (failure == null) {
                io.out().printf("%-14s ok      %s%n", name, ok);
            } else {
                failed++;
                io.out().printf("%-14s FAILED  %s%n", name, failure);
            }
        }
    }
}
