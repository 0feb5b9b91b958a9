package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.function.Consumer;
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
 * cannot map MMIO from a user address).
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
