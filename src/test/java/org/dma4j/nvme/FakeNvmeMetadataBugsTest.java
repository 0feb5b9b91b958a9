package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dma4j.Dma4jException;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNamespace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakeNvme.Bug;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fake catches a driver that ignores metadata, as the driver was before it read FLBAS bit 4,
 * MS and DPS: such a driver is simulated by a {@link Namespace} that claims no metadata for a
 * namespace that has it. What a real controller would do with it (DMA past the PRPs, or to
 * MPTR = 0) is a reported fault or driver bug on the fake, never silent.
 */
class FakeNvmeMetadataBugsTest {
    private final FakeDmaSpace space =
            FakeDmaSpace.open(FakeDmaSpace.Config.defaults().withMode(FakeDmaSpace.Mode.RECORD));
    private final FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults()
            .withMdts(2)
            .withNamespaces(
                    FakeNamespace.of(4096, 512).withMetadata(8, true),
                    FakeNamespace.of(4096, 512).withMetadata(8, false),
                    FakeNamespace.of(4096, 512).withMetadata(8, false).withProtection(1, false),
                    FakeNamespace.of(4096, 512).withMetadata(16, false).withProtection(1, true)));
    private final FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:07.0"), space, nvme);
    private NvmeController ctrl;
    private IoQueue q;
    private DmaBuffer buf;
    private DmaMapping map;

    @BeforeEach
    void open() {
        ctrl = NvmeController.open(dev);
        q = ctrl.createIoQueue(8);
        buf = DmaBuffer.allocate(64 * 1024);
        map = dev.dmaSpace().map(buf, DmaDirection.BIDIRECTIONAL);
        buf.segment().fill((byte) 0x5a);
    }

    @AfterEach
    void close() {
        map.close();
        buf.close();
        ctrl.close();
        dev.close();
        space.close();
    }

    /** What a driver that ignores metadata believes namespace {@code nsid} is: 512 B blocks, nothing else. */
    private Namespace blind(int nsid) {
        Namespace real = ctrl.namespace(nsid);
        return new Namespace(
                nsid, real.blocks(), real.capacity(), List.of(new LbaFormat(512, 0, 0)), 0, false, 0, 0, "");
    }

    @Test
    void extendedLbaBytesBeyondThePrpsAreCaught() {
        // 16 blocks the blind driver describes as 8 KiB (PRP1 + PRP2); the controller moves 16 * 520 bytes,
        // so it takes PRP2 for a PRP list and follows entries that are data.
        assertThrows(Dma4jException.class, () -> q.write(blind(1), 0, 16, map, 0));
        assertFalse(space.faults().isEmpty() && nvme.bugs().isEmpty(), "a fault or a driver bug is reported");
    }

    @Test
    void extendedLbaBytesCountTowardsMdts() {
        // 32 blocks are 16 KiB of data to the blind driver, within MDTS; with metadata they are 16640 bytes.
        var e = assertThrows(NvmeException.class, () -> q.write(blind(1), 0, 32, map, 0));
        assertEquals(0x02, e.status().code(), e.getMessage());
        q.write(ctrl.namespace(1), 0, 31, map, 0); // the real driver splits at 31 blocks of 520 bytes
    }

    @Test
    void separateMetadataWithoutAPointerIsADriverBug() {
        var e = assertThrows(FakeNvme.DriverBug.class, () -> q.write(blind(2), 0, 1, map, 0));
        assertEquals(Bug.BAD_METADATA_POINTER, e.bug());
        assertTrue(e.getMessage().contains("MPTR 0x0"), e.getMessage());
        assertEquals(
                List.of(Bug.BAD_METADATA_POINTER),
                nvme.bugs().stream().map(FakeNvme.DriverBug::bug).toList());
    }

    @Test
    void protectionInformationWithoutPractNeedsTheMetadataPointerToo() {
        var e = assertThrows(FakeNvme.DriverBug.class, () -> q.read(blind(3), 0, 1, map, 0));
        assertEquals(Bug.BAD_METADATA_POINTER, e.bug());
        q.write(ctrl.namespace(3), 0, 1, map, 0); // PRACT: the controller keeps the 8 bytes, no pointer needed
        q.read(ctrl.namespace(3), 0, 1, map, 4096);
        assertEquals(1, nvme.bugs().size());
    }

    @Test
    void writeZeroesLeavesProtectionInformationTheControllerMade() {
        Namespace ns = ctrl.namespace(4); // 512+16 separate, PI type 1 in the first 8 bytes: reads return the PI
        q.write(ns, 20, 2, map, 0, map, 8192);
        q.writeZeroes(ns, 20, 2); // PRACT and the reference tag, as the kernel sends them
        buf.segment().fill((byte) 0x5a);
        q.read(ns, 20, 2, map, 0, map, 8192); // PRCHK guard and reference tag pass on what the controller made
        var be32 = java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < 2; i++) {
            assertEquals(
                    0, buf.segment().get(java.lang.foreign.ValueLayout.JAVA_SHORT, 8192 + 16L * i), "guard of zeroes");
            assertEquals(20 + i, buf.segment().get(be32, 8192 + 16L * i + 4), "reference tag: the LBA");
        }
        assertTrue(nvme.bugs().isEmpty());
    }

    @Test
    void aFormatDma4jCannotDriveIsRefusedBeforeSubmission() {
        Namespace real = ctrl.namespace(3);
        Namespace reserved = new Namespace(
                3,
                real.blocks(),
                real.capacity(),
                real.formats(),
                real.formatIndex(),
                false,
                3,
                6,
                " of " + dev.address());
        int free = q.free();
        var e = assertThrows(NvmeException.UnsupportedFormat.class, () -> q.write(reserved, 0, 1, map, 0));
        assertTrue(
                e.getMessage()
                        .startsWith("namespace 3 of 0000:00:07.0 has LBA format 1 (512+8, separate metadata,"
                                + " protection information type 6"),
                e.getMessage());
        assertEquals(free, q.free(), "nothing was submitted");
        assertTrue(nvme.bugs().isEmpty());
    }

    @Test
    void theMetadataBufferMustHoldEveryBlocksMetadata() {
        Namespace ns = ctrl.namespace(2); // 8 bytes per block, separate
        long end = buf.segment().byteSize();
        var e = assertThrows(IllegalArgumentException.class, () -> q.write(ns, 0, 4, map, 0, map, end - 28));
        assertTrue(e.getMessage().contains("(32 bytes) at offset " + (end - 28)), e.getMessage());
        q.write(ns, 0, 4, map, 0, map, end - 32); // exactly fits
        assertTrue(nvme.bugs().isEmpty());
    }

    @Test
    void anUnalignedMetadataPointerIsRefusedBeforeSubmission() {
        Namespace ns = ctrl.namespace(2);
        int free = q.free();
        var e = assertThrows(IllegalArgumentException.class, () -> q.write(ns, 0, 1, map, 0, map, 4098));
        assertTrue(e.getMessage().contains("metadata (8 bytes) at offset 4098"), e.getMessage());
        var none =
                assertThrows(IllegalArgumentException.class, () -> q.write(ctrl.namespace(1), 0, 1, map, 0, map, 4096));
        assertTrue(none.getMessage().contains("no metadata travels separately"), none.getMessage());
        assertEquals(free, q.free());
        assertTrue(nvme.bugs().isEmpty());
    }
}
