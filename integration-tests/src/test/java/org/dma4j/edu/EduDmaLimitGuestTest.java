package org.dma4j.edu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.dma4j.Iova;
import org.dma4j.hil.Guest;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapException;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaMask;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.PciDevice;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A device's DMA limit on QEMU: the guest's second edu has a small {@code dma_mask} (26 bits
 * behind the IOMMU, 30 without). Every IOVA the space hands out lies under it, until the space
 * under the mask is used up, and the device reaches the highest one (QEMU would clamp an address
 * above its mask and move the bytes elsewhere, so the round trip is the device's own verdict).
 * Without an IOMMU, memory above the mask is refused, naming the mask.
 */
@Tag("type1")
@Tag("noiommu")
class EduDmaLimitGuestTest {
    private static String variant() {
        String v = System.getProperty("dma4j.hil.variant", "");
        Guest.require(v.equals("noiommu") ? "noiommu" : "type1");
        return v;
    }

    private static void roundTrip(EduDevice edu, DmaMapping m, long seed) {
        byte[] data = new byte[4095]; // all QEMU 7.2 lets a transfer reach
        new Random(seed).nextBytes(data);
        MemorySegment.copy(MemorySegment.ofArray(data), 0, m.memory(), 0, data.length);
        edu.toDevice(m, 0, 0, data.length);
        m.memory().asSlice(0, data.length).fill((byte) 0);
        edu.fromDevice(0, m, 0, data.length);
        assertArrayEquals(
                data, m.memory().asSlice(0, data.length).toArray(ValueLayout.JAVA_BYTE), "round trip through " + m);
    }

    @Test
    void everyIovaIsUnderTheDeviceMaskAndTheDeviceReachesTheHighest() {
        String v = variant();
        DmaMask mask = GuestEdu.secondMask(v);
        PciDevice dev = GuestEdu.open(v, 1);
        List<DmaMapping> maps = new ArrayList<>();
        List<DmaBuffer> buffers = new ArrayList<>();
        try (EduDevice edu = EduDevice.open(dev, EduDevice.Options.defaults().with(mask))) {
            assertEquals(mask, dev.dmaSpace().dmaMask());
            if (v.equals("noiommu")) {
                int refused = 0;
                for (int i = 0; i < 64; i++) { // 64 hugepages: some above 1 GiB in a 2 GiB guest, maybe some below
                    DmaBuffer b = dev.dmaSpace().allocate(2 << 20);
                    buffers.add(b);
                    try {
                        maps.add(dev.dmaSpace().map(b, 0, 4096, DmaDirection.BIDIRECTIONAL, null));
                    } catch (DmaMapException.AboveDmaMask e) {
                        refused++;
                        assertTrue(e.getMessage().contains("above the " + mask), e.getMessage());
                    }
                }
                System.out.println(
                        "no-IOMMU: " + maps.size() + " hugepages under the " + mask + ", " + refused + " above");
            } else {
                DmaBuffer b = dev.dmaSpace().allocate(2 << 20);
                buffers.add(b);
                var e = assertThrows(DmaMapException.IovaExhausted.class, () -> {
                    while (true) {
                        maps.add(dev.dmaSpace().map(b, DmaDirection.BIDIRECTIONAL));
                    }
                });
                assertTrue(e.getMessage().contains("under the " + mask), e.getMessage());
                assertEquals(31, maps.size(), "2 MiB mappings between the 1 MiB guard and 64 MiB");
                assertThrows(
                        DmaMapException.AboveDmaMask.class,
                        () -> dev.dmaSpace().mapAt(b, Iova.of(mask.mask() + 1), DmaDirection.BIDIRECTIONAL));
            }
            for (DmaMapping m : maps) {
                assertTrue(mask.covers(m.iova(), m.length()), m + " is above the " + mask);
            }
            if (!maps.isEmpty()) {
                DmaMapping highest = maps.stream()
                        .max((a, b) -> a.iova().compareTo(b.iova()))
                        .orElseThrow();
                roundTrip(edu, highest, 3);
                roundTrip(edu, maps.get(0), 4);
            }
            assertFalse(v.equals("type1") && maps.isEmpty());
        } finally {
            maps.forEach(DmaMapping::close);
            buffers.forEach(DmaBuffer::close);
            GuestEdu.close(dev);
        }
    }
}
