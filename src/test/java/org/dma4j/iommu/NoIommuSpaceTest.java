package org.dma4j.iommu;

import static org.dma4j.linux.gen.libc.libc_h.O_RDWR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dma4j.Iova;
import org.dma4j.fake.FakeMemory;
import org.dma4j.linux.Fd;
import org.dma4j.mem.DmaBuffer;
import org.junit.jupiter.api.Test;

/**
 * The no-IOMMU space's own rules on the host, with simulated physical memory standing in for
 * pagemap (its VFIO descriptors are /dev/null: nothing here reaches the kernel's VFIO).
 */
class NoIommuSpaceTest {
    private static NoIommuSpace space(FakeMemory memory) {
        return new NoIommuSpace(Fd.open("/dev/null", O_RDWR()), Fd.open("/dev/null", O_RDWR()), 7, memory);
    }

    @Test
    void theIovaIsThePhysicalAddressAndMustBeContiguous() {
        FakeMemory scattered = new FakeMemory(true);
        try (DmaBuffer b = DmaBuffer.allocate(2 * 4096); NoIommuSpace s = space(scattered)) {
            var e = assertThrows(DmaMapException.InvalidRequest.class, () -> s.map(b, DmaDirection.TO_DEVICE));
            assertTrue(e.getMessage().startsWith("no-IOMMU: the device sees physical addresses and these 8192 bytes are not"
                    + " physically contiguous (page 1 breaks the run)"), e.getMessage());
            try (DmaMapping one = s.map(b, 4096, 4096, DmaDirection.TO_DEVICE, null)) {
                assertEquals(scattered.resolve(b.segment().asSlice(4096)).value(), one.iova().value(), "one page maps at its PA");
                var fixed = assertThrows(DmaMapException.InvalidRequest.class,
                        () -> s.map(b, 0, 4096, DmaDirection.TO_DEVICE, Iova.of(0x100000)));
                assertTrue(fixed.getMessage().contains("the IOVA is the physical address"), fixed.getMessage());
            }
        }
        FakeMemory contiguous = new FakeMemory(false);
        try (DmaBuffer b = DmaBuffer.allocate(4 * 4096); NoIommuSpace s = space(contiguous);
             DmaMapping m = s.map(b, DmaDirection.BIDIRECTIONAL)) {
            assertEquals(contiguous.resolve(b.segment()).value(), m.iova().value());
            assertEquals(7, s.groupNumber());
        }
    }
}
