package org.dma4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.dma4j.Dma4jException;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNamespace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.iommu.Backend;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * The options every {@code dma4j nvme} command shares: which controller ({@code --device}),
 * which IOMMU backend ({@code --iommu}), {@code --json}; and opening the controller they name.
 */
final class DeviceOptions {
    /** Blocks of the fake's namespace, and of a new image: 64 MiB of 512 B blocks. */
    static final long FAKE_BLOCKS = 131072;

    static final int FAKE_BLOCK_SIZE = 512;
    /** fake-null's namespace: 4 TiB, past 32-bit LBAs, since it stores nothing. */
    static final long NULL_BLOCKS = 1L << 33;

    /** What {@code --device} names. */
    enum Kind {
        FAKE,
        FAKE_NULL,
        FAKE_IMAGE,
        PCI
    }

    record Target(Kind kind, Path image, PciAddress address) {
        boolean isFake() {
            return kind != Kind.PCI;
        }

        @Override
        public String toString() {
            return switch (kind) {
                case FAKE -> "fake";
                case FAKE_NULL -> "fake-null";
                case FAKE_IMAGE -> "fake:image=" + image;
                case PCI -> address.toString();
            };
        }
    }

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--device",
            paramLabel = "fake|fake-null|fake:image=PATH|BDF",
            converter = TargetConverter.class,
            description = "the controller: the in-process fake (default; its data lives as long as the process), "
                    + "fake-null (keeps no data), fake:image=PATH (the fake's namespace in a sparse file, kept across runs), "
                    + "or a PCI address bound to vfio-pci")
    Target target = new Target(Kind.FAKE, null, null);

    @Option(
            names = "--iommu",
            paramLabel = "type1|iommufd|noiommu",
            converter = BackendConverter.class,
            description = "force the IOMMU backend of a PCI device (default: the best this machine has)")
    Backend iommu;

    @Option(names = "--json", description = "print one JSON object (field names in the README)")
    boolean json;

    /** Checks that the options fit together; call before opening anything. */
    void validate() {
        if (iommu != null && target.isFake()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--iommu applies to a PCI device; the fake (--device " + target + ") has its own IOMMU");
        }
    }

    /** The device, its DMA space, the controller and a fake's image, closed in reverse order. */
    record Opened(PciDevice device, NvmeController ctrl, FakeNamespace image, Target target) implements AutoCloseable {
        /** Controller, device, DMA space, image: each closed even when one before it failed; the first error wins. */
        @Override
        public void close() {
            RuntimeException first = null;
            for (Runnable step : List.<Runnable>of(
                    ctrl::close, device::close, () -> device.dmaSpace().close(), () -> {
                        if (image != null) {
                            image.close();
                        }
                    })) {
                try {
                    step.run();
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        }

        /** Active namespace {@code nsid}, or a usage error listing the ones there are. */
        Namespace namespace(CommandSpec spec, long nsid) {
            List<Namespace> all = ctrl.namespaces();
            for (Namespace ns : all) {
                if (ns.nsid() == nsid) {
                    return ns;
                }
            }
            throw new ParameterException(
                    spec.commandLine(),
                    "--ns " + nsid + ": " + target + " has no such namespace; its active ones are "
                            + all.stream().map(n -> String.valueOf(n.nsid())).toList());
        }
    }

    /** Opens the controller, asking for {@code ioQueues} I/O queue pairs. The caller closes it. */
    Opened open(int ioQueues) {
        validate();
        FakeNamespace image = null;
        PciDevice dev;
        switch (target.kind()) {
            case PCI -> {
                // the device owns the space it opens, and closes it
                dev = iommu == null
                        ? VfioPciDevice.open(target.address())
                        : VfioPciDevice.open(target.address(), iommu);
            }
            default -> {
                FakeNvme.Config c = FakeNvme.Config.defaults();
                if (target.kind() == Kind.FAKE_NULL) {
                    c = c.withNamespaces(FakeNamespace.nul(NULL_BLOCKS, FAKE_BLOCK_SIZE));
                } else if (target.kind() == Kind.FAKE_IMAGE) {
                    image = FakeNamespace.image(target.image(), imageBlocks(target.image()), FAKE_BLOCK_SIZE);
                    c = c.withNamespaces(image);
                }
                dev = FakeNvme.device(PciAddress.parse("0000:00:04.0"), FakeDmaSpace.open(), new FakeNvme(c));
            }
        }
        try {
            return new Opened(dev, NvmeController.open(dev, Duration.ofSeconds(10), 32, ioQueues), image, target);
        } catch (RuntimeException e) {
            try {
                dev.close();
                dev.dmaSpace().close();
                if (image != null) {
                    image.close();
                }
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** An existing image keeps its size; a new one is the fake's default 64 MiB. */
    private long imageBlocks(Path image) {
        try {
            long size = Files.exists(image) ? Files.size(image) : 0;
            if (size == 0) {
                return FAKE_BLOCKS;
            }
            if (size % FAKE_BLOCK_SIZE != 0) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--device fake:image=" + image + ": the file is " + size + " bytes, not a whole number of "
                                + FAKE_BLOCK_SIZE + "-byte blocks");
            }
            return size / FAKE_BLOCK_SIZE;
        } catch (IOException e) {
            throw new UncheckedIOException("--device fake:image=" + image + ": " + e.getMessage(), e);
        }
    }

    /** Picocli converter for {@code --iommu}: the PCI backends, named as {@link Backend#id()}. */
    static final class BackendConverter implements ITypeConverter<Backend> {
        @Override
        public Backend convert(String v) {
            Backend b;
            try {
                b = Backend.parse(v);
            } catch (Dma4jException e) {
                b = Backend.FAKE;
            }
            if (b == Backend.FAKE) {
                throw new TypeConversionException(
                        "'" + v + "' is not an IOMMU backend for a PCI device; use type1, iommufd"
                                + " or noiommu (the fake is --device fake)");
            }
            return b;
        }
    }

    /** Picocli converter for {@code --device}. */
    static final class TargetConverter implements ITypeConverter<Target> {
        @Override
        public Target convert(String v) {
            if (v.equals("fake")) {
                return new Target(Kind.FAKE, null, null);
            }
            if (v.equals("fake-null")) {
                return new Target(Kind.FAKE_NULL, null, null);
            }
            if (v.startsWith("fake:")) {
                String rest = v.substring(5);
                if (!rest.startsWith("image=") || rest.length() == 6) {
                    throw new TypeConversionException(
                            "'" + v + "': the fake takes image=PATH, as in fake:image=/tmp/ns1.img");
                }
                Path p;
                try {
                    p = Path.of(rest.substring(6));
                } catch (java.nio.file.InvalidPathException e) {
                    throw new TypeConversionException("'" + v + "': " + e.getMessage());
                }
                if (Files.isDirectory(p)) {
                    throw new TypeConversionException(
                            "'" + v + "': " + p + " is a directory; give a file for the image");
                }
                return new Target(Kind.FAKE_IMAGE, p, null);
            }
            try {
                return new Target(Kind.PCI, null, PciAddress.parse(v));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(
                        "'" + v + "' is not fake, fake-null, fake:image=PATH or a PCI address like 0000:01:00.0");
            }
        }
    }
}
