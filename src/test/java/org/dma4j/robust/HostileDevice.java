package org.dma4j.robust;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNamespace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;
import org.dma4j.nvme.NvmeException;
import org.dma4j.pci.PciAddress;

/**
 * One hostile device: a list of things the fake NVMe controller reports wrongly (registers,
 * Identify bytes, completion entry fields), and a driver session against it: bring-up, the
 * namespaces, an I/O queue, a write and a read checked byte for byte, close. Generated from a seed.
 */
record HostileDevice(List<Corruption> corruptions) {
    /** One wrong value the device reports. */
    sealed interface Corruption {
        void apply(FakeNvme nvme);
    }

    record Register(int offset, int value) implements Corruption {
        Register {
            if (offset == 0 && value >>> 24 > 4) {
                // CAP.TO up to 255 (127.5 s) is a wait the spec grants a device: legal, just too long for a test.
                value = (value & 0x00ff_ffff) | 4 << 24;
            }
        }

        public void apply(FakeNvme nvme) {
            nvme.overrideRegister(offset, value);
        }

        @Override
        public String toString() {
            return String.format("register 0x%02x = 0x%08x", offset, value);
        }
    }

    record IdentifyByte(int cns, int offset, int value) implements Corruption {
        public void apply(FakeNvme nvme) {
            nvme.corruptIdentify(cns, offset, value);
        }

        @Override
        public String toString() {
            return String.format("Identify CNS %d byte %d = 0x%02x", cns, offset, value & 0xff);
        }
    }

    record Completion(FakeNvme.CqeField field, int value) implements Corruption {
        public void apply(FakeNvme nvme) {
            nvme.corruptNextCompletion(field, value);
        }

        @Override
        public String toString() {
            return String.format("a completion's %s = 0x%x", field, value);
        }
    }

    /** Register dwords worth breaking: CAP low and high, VS, CSTS. */
    private static final int[] REGISTERS = {0x00, 0x04, 0x08, 0x1c};
    /** Identify Controller bytes a driver uses: VID, MDTS, VER, RTD3E, SQES, CQES, NN, ONCS, VWC. */
    private static final int[] CONTROLLER_BYTES = {0, 77, 80, 88, 89, 90, 91, 512, 513, 516, 517, 518, 519, 520, 525};
    /** Identify Namespace bytes: NSZE, NCAP, NLBAF, FLBAS, MC, DPS, LBAF0..3 (MS, LBADS, RP). */
    private static final int[] NAMESPACE_BYTES = {0, 3, 7, 8, 15, 25, 26, 27, 29, 128, 129, 130, 131, 134, 138, 142};

    static HostileDevice generate(Random r) {
        List<Corruption> out = new ArrayList<>();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            out.add(
                    switch (r.nextInt(8)) {
                        case 7 ->
                            new Register(
                                    0x04,
                                    r.nextInt(16)
                                            | 1 << 5
                                            | (r.nextInt(4) == 0 ? 0xf << 20 : 0)); // DSTRD, CSS=NVM, MPSMAX
                        case 0 -> new Register(REGISTERS[r.nextInt(REGISTERS.length)], interesting(r));
                        case 1 -> new Register(0x00, capLow(r));
                        case 2 ->
                            new IdentifyByte(
                                    1, CONTROLLER_BYTES[r.nextInt(CONTROLLER_BYTES.length)], interestingByte(r));
                        case 3 ->
                            new IdentifyByte(0, NAMESPACE_BYTES[r.nextInt(NAMESPACE_BYTES.length)], interestingByte(r));
                        case 4 -> new IdentifyByte(r.nextInt(3), r.nextInt(4096), r.nextInt(256));
                        case 5 -> new IdentifyByte(2, r.nextInt(16), interestingByte(r));
                        default ->
                            new Completion(
                                    FakeNvme.CqeField.values()[r.nextInt(FakeNvme.CqeField.values().length)],
                                    interesting(r));
                    });
        }
        return new HostileDevice(out);
    }

    /** CAP's low dword with MQES and TO each fine, zero or extreme. */
    private static int capLow(Random r) {
        int mqes = switch (r.nextInt(3)) {
            case 0 -> 0;
            case 1 -> 0xffff;
            default -> r.nextInt(0x10000);
        };
        int to = r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(4);
        return mqes | 1 << 16 | to << 24;
    }

    private static int interesting(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> 1;
            case 3 -> Integer.MIN_VALUE;
            case 4 -> r.nextInt(0x10000);
            default -> r.nextInt();
        };
    }

    private static int interestingByte(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> 0;
            case 1 -> 0xff;
            case 2 -> 0x7f;
            case 3 -> 63;
            default -> r.nextInt(256);
        };
    }

    /**
     * Runs a driver session against this device. Returns normally when the driver either
     * worked or refused with an {@link org.dma4j.Dma4jException}; any other throwable (an
     * index out of bounds, an arithmetic error, a wrong read) escapes.
     */
    void run() {
        FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults().withNamespaces(FakeNamespace.of(4096, 512)));
        try (FakeDmaSpace space =
                        FakeDmaSpace.open(FakeDmaSpace.Config.defaults().withMode(FakeDmaSpace.Mode.RECORD));
                FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:04.0"), space, nvme)) {
            corruptions.forEach(c -> c.apply(nvme));
            NvmeController c;
            try {
                c = NvmeController.open(dev, Duration.ofMillis(100), 8, 2);
            } catch (org.dma4j.Dma4jException e) {
                return;
            }
            try (c) {
                c.setShutdownTimeout(Duration.ofMillis(100));
                // A corrupted Identify Namespace is a device lying about its own format (its data moves
                // by the format it really has): the driver cannot tell, so only errors are checked then.
                boolean formatLies = corruptions.stream().anyMatch(x -> x instanceof IdentifyByte b && b.cns() == 0);
                session(c, space, !formatLies);
            } catch (org.dma4j.Dma4jException e) {
                // refused, by name: fine
            }
        }
    }

    private static void session(NvmeController c, FakeDmaSpace space, boolean checkData) {
        List<Namespace> all = c.namespaces();
        for (Namespace ns : all) {
            if (!ns.isSupported() || ns.separateMetadataSize() != 0 || ns.blockSize() > 64 * 1024) {
                continue;
            }
            long bytes = ns.blockSize() * 2L;
            try (IoQueue q = c.createIoQueue(4);
                    DmaBuffer b = space.allocate(bytes);
                    DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
                var seg = b.segment();
                for (long i = 0; i < bytes; i += 8) {
                    seg.set(ValueLayout.JAVA_LONG, i, i * 0x9e3779b97f4a7c15L);
                }
                long lba = Math.max(0, Math.min(ns.blocks() - 2, 7));
                q.write(ns, lba, 2, m, 0);
                seg.fill((byte) 0);
                q.read(ns, lba, 2, m, 0);
                for (long i = 0; checkData && i < bytes; i += 8) {
                    if (seg.get(ValueLayout.JAVA_LONG, i) != i * 0x9e3779b97f4a7c15L) {
                        throw new AssertionError("read back different data at byte " + i + " of namespace " + ns.nsid()
                                + " although every command succeeded");
                    }
                }
            } catch (NvmeException e) {
                // a refused or failed command, by name
            }
            return;
        }
    }
}
