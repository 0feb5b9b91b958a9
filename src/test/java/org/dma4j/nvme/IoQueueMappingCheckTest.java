package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.dma4j.AlreadyClosedException;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNamespace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapException;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** I/O only to live mappings of the controller's own DMA space. */
class IoQueueMappingCheckTest {
    private final FakeDmaSpace space = FakeDmaSpace.open();
    private final FakeDmaSpace other = FakeDmaSpace.open();
    /** Namespace 1 plain; namespace 2 with 8 bytes of separate metadata per block (an MPTR buffer). */
    private final FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults()
            .withNamespaces(
                    FakeNamespace.of(1024, 512), FakeNamespace.of(1024, 512).withMetadata(8, false)));

    private final FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:0d.0"), space, nvme);
    private final NvmeController ctrl = NvmeController.open(dev, Duration.ofSeconds(2), 8, 2);

    @AfterEach
    void close() {
        ctrl.close();
        dev.close();
        space.close();
        other.close();
        assertTrue(space.faults().isEmpty(), space.faults().toString());
    }

    @Test
    void aMappingOfAnotherSpaceIsRefusedByName() {
        Namespace ns = ctrl.namespace(1);
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = other.allocate(4096);
                DmaMapping foreign = other.map(b, DmaDirection.BIDIRECTIONAL)) {
            var e = assertThrows(DmaMapException.InvalidRequest.class, () -> q.read(ns, 0, 1, foreign, 0));
            assertTrue(e.getMessage().startsWith("Read on queue 1: DmaMapping["), e.getMessage());
            assertTrue(
                    e.getMessage()
                            .endsWith("is a mapping of another DMA space; map the buffer with this controller's"
                                    + " device().dmaSpace()"),
                    e.getMessage());
            assertThrows(DmaMapException.InvalidRequest.class, () -> q.submitWrite(ns, 0, 1, foreign, 0));
            assertEquals(7, q.free(), "nothing was submitted");
        }
    }

    @Test
    void anUnmappedMappingIsRefused() {
        Namespace ns = ctrl.namespace(1);
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = space.allocate(4096)) {
            DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL);
            m.close();
            var e = assertThrows(DmaMapException.InvalidRequest.class, () -> q.write(ns, 0, 1, m, 0));
            assertTrue(e.getMessage().endsWith("is unmapped; map the buffer again before I/O"), e.getMessage());
            assertEquals(7, q.free());
        }
    }

    @Test
    void aMetadataMappingOfAnotherSpaceIsRefusedToo() {
        Namespace ns = ctrl.namespace(2);
        try (IoQueue q = ctrl.createIoQueue(8);
                DmaBuffer b = space.allocate(4096);
                DmaBuffer mb = other.allocate(4096);
                DmaMapping data = space.map(b, DmaDirection.BIDIRECTIONAL);
                DmaMapping foreignMd = other.map(mb, DmaDirection.BIDIRECTIONAL)) {
            var e = assertThrows(
                    DmaMapException.InvalidRequest.class, () -> q.submitRead(ns, 0, 1, data, 0, foreignMd, 0));
            assertTrue(
                    e.getMessage()
                            .endsWith("is a mapping of another DMA space; map the buffer with this controller's"
                                    + " device().dmaSpace()"),
                    e.getMessage());
            assertEquals(7, q.free(), "nothing was submitted");
        }
    }

    @Test
    void aClosedQueueRefusesSubmissions() {
        Namespace ns = ctrl.namespace(1);
        try (DmaBuffer b = space.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            IoQueue q = ctrl.createIoQueue(8);
            q.close();
            assertThrows(AlreadyClosedException.class, () -> q.submitRead(ns, 0, 1, m, 0));
            assertThrows(AlreadyClosedException.class, () -> q.submitWrite(ns, 0, 1, m, 0));
        }
    }
}
