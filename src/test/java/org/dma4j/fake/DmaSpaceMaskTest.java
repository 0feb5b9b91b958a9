package org.dma4j.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dma4j.Iova;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapException;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaMask;
import org.dma4j.iommu.IovaRange;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.Test;

/** Device DMA masks on a DMA space (the fake's; the bookkeeping is the one every backend shares). */
class DmaSpaceMaskTest {
    private static final long MB = 1 << 20;

    @Test
    void theSmallestMaskOfTheSpacesDevicesBoundsEveryIova() {
        try (FakeDmaSpace space =
                        FakeDmaSpace.open(FakeDmaSpace.Config.defaults().withRanges(IovaRange.of(0, (1L << 40) - 1)));
                DmaBuffer b = space.allocate(MB)) {
            assertEquals(DmaMask.ALL, space.dmaMask());
            space.setDmaMask("0000:00:04.0", DmaMask.bits(32));
            space.setDmaMask("0000:00:05.0", DmaMask.bits(24)); // 16 MiB
            assertEquals(DmaMask.bits(24), space.dmaMask());
            assertEquals(DmaMask.bits(32), space.dmaMask("0000:00:04.0"));
            List<DmaMapping> maps = new ArrayList<>();
            var e = assertThrows(DmaMapException.IovaExhausted.class, () -> {
                while (true) {
                    maps.add(space.map(b, DmaDirection.BIDIRECTIONAL));
                }
            });
            assertEquals(15, maps.size(), "16 MiB under the mask, less the 1 MiB low guard");
            assertTrue(e.getMessage().contains("under the 24-bit DMA mask 0xffffff"), e.getMessage());
            maps.forEach(m -> assertTrue(DmaMask.bits(24).covers(m.iova(), m.length()), m.toString()));
            var fixed = assertThrows(
                    DmaMapException.AboveDmaMask.class,
                    () -> space.mapAt(b, Iova.of(16 * MB), DmaDirection.BIDIRECTIONAL));
            assertTrue(
                    fixed.getMessage().contains("above the 24-bit DMA mask 0xffffff of 0000:00:05.0"),
                    fixed.getMessage());
            space.clearDmaMask("0000:00:05.0");
            try (DmaMapping high = space.map(b, DmaDirection.BIDIRECTIONAL)) {
                assertEquals(16 * MB, high.iova().value(), "the 32-bit device alone: above 16 MiB now");
                var late = assertThrows(
                        DmaMapException.AboveDmaMask.class, () -> space.setDmaMask("0000:00:05.0", DmaMask.bits(24)));
                assertTrue(
                        late.getMessage().contains("is already above it; set the mask before mapping"),
                        late.getMessage());
            }
            maps.forEach(DmaMapping::close);
        }
    }

    @Test
    void aDevicesMaskGoesWhenItCloses() {
        try (FakeDmaSpace space = FakeDmaSpace.open()) {
            FakePciDevice dev =
                    new FakePciDevice(PciAddress.parse("0000:00:03.0"), space, new ScratchModel(), 0x1b36, 1, 0, 1);
            dev.setDmaMask(DmaMask.bits(30));
            assertEquals(DmaMask.bits(30), dev.dmaMask());
            assertEquals(DmaMask.bits(30), space.dmaMask());
            dev.close();
            assertEquals(DmaMask.ALL, space.dmaMask());
        }
    }
}
