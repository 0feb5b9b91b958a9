package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.function.Consumer;
import org.dma4j.edu.EduDevice;
import org.dma4j.hil.Guest;
import org.dma4j.iommu.Backend;
import org.dma4j.iommu.DmaAttr;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapException;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.iommu.DmaSpaces;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Several devices in one DMA space, in the p2p guest: the NVMe controller and ivshmem in one type1
 * container (two IOMMU groups) and on one iommufd IOAS. A mapping made before the second device
 * joined serves the controller after it joined and after it left. ivshmem's BAR maps into the
 * type1 container and is refused on the IOAS, with the reason (kernel 6.12's IOMMU_IOAS_MAP
 * cannot map MMIO from a user address). With edu in the container too, the NVMe controller reads
 * blocks into the BAR and edu copies them from there into RAM.
 */
@Tag("p2p")
class OneSpaceGuestTest {
    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes {@code data} at {@code lba} from {@code out} and reads it back through {@code in}; both mappings of the controller's space. */
    private static void roundTrip(
            NvmeController ctrl,
            DmaBuffer outBuf,
            DmaMapping out,
            DmaBuffer inBuf,
            DmaMapping in,
            long lba,
            long seed) {
        Namespace ns = ctrl.namespaces().get(0);
        byte[] data = random(seed, (int) outBuf.byteSize());
        outBuf.segment().copyFrom(MemorySegment.ofArray(data));
        inBuf.segment().fill((byte) 0);
        try (IoQueue q = ctrl.createIoQueue(8)) {
            q.write(ns, lba, data.length / ns.blockSize(), out, 0);
            q.read(ns, lba, data.length / ns.blockSize(), in, 0);
        }
        assertArrayEquals(data, inBuf.segment().toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void iommufdNvmeAndIvshmemOnOneIoas() {
        Guest.require("p2p");
        try (DmaSpace space = DmaSpaces.open(Backend.IOMMUFD, Guest.nvmeBdf())) {
            nvmeAndIvshmemInOneSpace(space, ivshmem -> {
                var e = assertThrows(
                        DmaMapException.Unsupported.class,
                        () -> space.map(ivshmem.barMemory(2), DmaDirection.BIDIRECTIONAL, DmaAttr.MMIO));
                assertTrue(e.getMessage().startsWith("iommufd cannot map MMIO from a user address"), e.getMessage());
            });
        }
    }

    @Test
    void type1NvmeAndIvshmemInOneContainer() {
        Guest.require("p2p");
        try (DmaSpace space = DmaSpaces.open(Backend.TYPE1, Guest.nvmeBdf())) {
            nvmeAndIvshmemInOneSpace(space, ivshmem -> {
                try (DmaMapping bar = space.map(ivshmem.barMemory(2), DmaDirection.BIDIRECTIONAL, DmaAttr.MMIO)) {
                    assertTrue(
                            bar.isLive() && space.mappings().contains(bar),
                            "the BAR of one device, mapped in the shared space");
                }
            });
        }
    }

    /**
     * Three devices in one type1 container: the NVMe controller reads blocks into ivshmem's BAR
     * (mapped MMIO), and edu copies them from the BAR through its buffer into RAM. edu joins
     * first, so that its 28-bit mask holds for every IOVA of the space.
     */
    @Test
    void type1NvmeIntoTheBarThenEduIntoRam() {
        Guest.require("p2p");
        int bytes = 4092; // whole dwords below QEMU 7.2's 4095-byte edu transfer limit
        long barOffset = 0x90000; // apart from the other p2p tests' regions
        byte[] data = random(4, 4096);
        String eduBdf = Guest.eduBdfs().get(0);
        try (DmaSpace space = DmaSpaces.open(Backend.TYPE1, eduBdf)) {
            VfioPciDevice eduPci = VfioPciDevice.open(PciAddress.parse(eduBdf), space);
            VfioPciDevice nvme = null;
            VfioPciDevice ivshmem = null;
            try (EduDevice edu = EduDevice.open(eduPci, EduDevice.Options.defaults())) {
                nvme = VfioPciDevice.open(PciAddress.parse(Guest.nvmeBdf()), space);
                ivshmem = VfioPciDevice.open(PciAddress.parse(Guest.ivshmemBdf()), space);
                ivshmem.configWrite(
                        PciDevice.COMMAND, 2, ivshmem.configRead(PciDevice.COMMAND, 2) | PciDevice.COMMAND_MEMORY);
                try (NvmeController ctrl = NvmeController.open(nvme);
                        IoQueue q = ctrl.createIoQueue(8);
                        DmaBuffer ram = space.allocate(4096);
                        DmaMapping out = space.map(ram, DmaDirection.BIDIRECTIONAL);
                        DmaMapping bar = space.map(ivshmem.barMemory(2), DmaDirection.BIDIRECTIONAL, DmaAttr.MMIO)) {
                    Namespace ns = ctrl.namespaces().get(0);
                    ram.segment().copyFrom(MemorySegment.ofArray(data));
                    q.write(ns, 32, 4096 / ns.blockSize(), out, 0);
                    ram.segment().fill((byte) 0);
                    q.read(ns, 32, 4096 / ns.blockSize(), bar, barOffset); // NVMe -> BAR
                    edu.toDevice(bar, barOffset, 0, bytes); // BAR -> edu
                    edu.fromDevice(0, out, 0, bytes); // edu -> RAM
                    assertArrayEquals(
                            java.util.Arrays.copyOf(data, bytes),
                            ram.segment().asSlice(0, bytes).toArray(ValueLayout.JAVA_BYTE),
                            "NVMe -> BAR -> edu -> RAM");
                }
            } finally {
                if (ivshmem != null) {
                    ivshmem.close();
                }
                if (nvme != null) {
                    nvme.close();
                }
                eduPci.close();
            }
        }
    }

    /**
     * The NVMe controller in {@code space} with a mapping made before ivshmem joins; ivshmem joins
     * ({@code withIvshmem} checks what its BAR does there); the mapping serves the controller with
     * both in the space and after ivshmem has left.
     */
    private static void nvmeAndIvshmemInOneSpace(DmaSpace space, Consumer<PciDevice> withIvshmem) {
        try (DmaBuffer outBuf = space.allocate(8192);
                DmaBuffer inBuf = space.allocate(8192)) {
            VfioPciDevice nvme = VfioPciDevice.open(PciAddress.parse(Guest.nvmeBdf()), space);
            try (NvmeController ctrl = NvmeController.open(nvme)) {
                DmaMapping out = space.map(outBuf, DmaDirection.TO_DEVICE);
                DmaMapping in = space.map(inBuf, DmaDirection.FROM_DEVICE);
                roundTrip(ctrl, outBuf, out, inBuf, in, 8, 1);

                PciDevice ivshmem = VfioPciDevice.open(PciAddress.parse(Guest.ivshmemBdf()), space);
                assertTrue(ivshmem.dmaSpace() == nvme.dmaSpace(), "both devices are in the one space");
                assertTrue(
                        space.mappings().contains(out) && space.mappings().contains(in),
                        "the mappings are the space's, shared");
                withIvshmem.accept(ivshmem);
                roundTrip(ctrl, outBuf, out, inBuf, in, 16, 2);

                ivshmem.close(); // one device leaves; the space and its mappings stay
                assertTrue(out.isLive() && in.isLive());
                roundTrip(ctrl, outBuf, out, inBuf, in, 24, 3);
                out.close();
                in.close();
            } finally {
                nvme.close();
            }
        }
    }
}
