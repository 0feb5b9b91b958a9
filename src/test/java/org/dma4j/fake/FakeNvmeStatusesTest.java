package org.dma4j.fake;

import static org.dma4j.fake.NvmeByHand.CC_QES;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.Test;

/**
 * The fake answers with the status and counters QEMU's NVMe model gives, as the NVMe and NVM
 * command set specifications define them (values written out by hand here).
 */
class FakeNvmeStatusesTest {
    /**
     * A Write on a protection type 1 namespace whose ILBRT is not the LBA, with the reference tag
     * checked: Invalid Protection Information, which is command specific (SCT 1) code 81h with
     * DNR, as QEMU's NVME_INVALID_PROT_INFO | NVME_DNR; not the generic 81h (Capacity Exceeded).
     */
    @Test
    void aType1ReferenceTagThatIsNotTheLbaIsInvalidProtectionInformation() {
        try (NvmeByHand r = new NvmeByHand(FakeNvme.Config.defaults()
                .withNamespaces(
                        FakeNamespace.of(4096, 512).withMetadata(8, false).withProtection(1, false)))) {
            r.enable(16, 16, CC_QES);
            r.awaitReady(true);
            r.createIoQueue(8);
            // Write (01h), NSID 1, SLBA 5, NLB 0, PRACT (bit 29) + PRCHK reference tag (bit 26); ILBRT (CDW14) 0.
            r.put(1, 0x01, 1, r.page(8), 0, 5, 0, 1 << 29 | 1 << 26);
            r.ring(1);
            assertEquals(0x181, r.next(1), "SCT 1, SC 81h");
            assertEquals(0x4000, r.dnr(1, 0), "Do Not Retry");
        }
    }

    /** SMART Data Units Read/Written are thousands of 512-byte units, rounded up (1 is 1 to 1000 units). */
    @Test
    void smartDataUnitsAreThousandsOf512ByteUnitsRoundedUp() {
        FakeDmaSpace space = FakeDmaSpace.open();
        FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults());
        FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:0b.0"), space, nvme);
        try (NvmeController c = NvmeController.open(dev, Duration.ofSeconds(5), 8, 1);
                IoQueue q = c.createIoQueue(8);
                DmaBuffer b = DmaBuffer.allocate(64 * 1024);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            Namespace ns = c.namespaces().get(0);
            int perBlock = ns.dataSize() / 512;
            q.write(ns, 0, 1, m, 0);
            assertEquals(1, c.smartLog().dataUnitsWritten(), "one block: one (thousand, rounded up)");
            assertEquals(0, c.smartLog().dataUnitsRead());
            int blocks = 1000 / perBlock; // 1000 more units: 1000 + perBlock in all, past one thousand
            for (int done = 0; done < blocks; done += 8) {
                q.write(ns, 0, Math.min(8, blocks - done), m, 0);
            }
            assertEquals(2, c.smartLog().dataUnitsWritten());
            q.read(ns, 0, 1, m, 0);
            assertEquals(1, c.smartLog().dataUnitsRead());
        } finally {
            dev.close();
            space.close();
        }
    }
}
