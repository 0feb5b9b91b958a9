package org.dma4j.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.nvme.LbaFormat;
import org.junit.jupiter.api.Test;

/** The fake's LBA formats, laid out in Identify Namespace byte for byte as QEMU 7.2 lays them out. */
class FakeNamespaceFormatsTest {
    private static MemorySegment identify(FakeNamespace... ns) {
        MemorySegment d = MemorySegment.ofArray(new long[512]);
        assertEquals(
                0, FakeIdentify.fill(0x00, ns.length, FakeNvme.Config.defaults().withNamespaces(ns), d));
        return d;
    }

    private static int u8(MemorySegment d, long at) {
        return Byte.toUnsignedInt(d.get(ValueLayout.JAVA_BYTE, at));
    }

    @Test
    void qemusEightFormatsWithTheOneInUse() {
        MemorySegment d = identify(FakeNamespace.of(1000, 512).withMetadata(8, true));
        assertEquals(7, u8(d, 25), "NLBAF, 0's based");
        assertEquals(0x11, u8(d, 26), "FLBAS: format 1, extended LBA");
        assertEquals(0x03, u8(d, 27), "MC: extended and separate");
        assertEquals(0x1f, u8(d, 28), "DPC: types 1-3, first or last");
        assertEquals(0, u8(d, 29), "DPS: no protection information");
        int[] lbaf = {0x09_0000, 0x09_0008, 0x09_0010, 0x09_0040, 0x0c_0000, 0x0c_0008, 0x0c_0010, 0x0c_0040};
        for (int i = 0; i < 8; i++) {
            assertEquals(lbaf[i], d.get(ValueLayout.JAVA_INT, 128 + 4L * i), "LBAF" + i);
        }
    }

    @Test
    void separateMetadataAndProtectionInformation() {
        MemorySegment d =
                identify(FakeNamespace.of(1000, 4096).withMetadata(16, false).withProtection(1, true));
        assertEquals(0x06, u8(d, 26), "FLBAS: format 6 (4096+16), separate");
        assertEquals(1 | 8, u8(d, 29), "DPS: type 1, first eight bytes");
        MemorySegment three =
                identify(FakeNamespace.of(1000, 512).withMetadata(8, true).withProtection(3, false));
        assertEquals(3, u8(three, 29));
    }

    @Test
    void aFormatQemuDoesNotListIsAppended() {
        MemorySegment d = identify(FakeNamespace.of(1000, 1024).withMetadata(8, false));
        assertEquals(8, u8(d, 25), "nine formats");
        assertEquals(8, u8(d, 26));
        assertEquals(0x0a_0008, d.get(ValueLayout.JAVA_INT, 128 + 4L * 8));
    }

    @Test
    void moreThanSixteenFormatsPutTheIndexUpperBitsInFlbasBits6To5() {
        List<LbaFormat> many = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            many.add(new LbaFormat(512, 8 * i, i & 3));
        }
        MemorySegment d = identify(FakeNamespace.withFormats(1000, many, 37, true));
        assertEquals(39, u8(d, 25));
        assertEquals((37 & 0xf) | 0x10 | (37 >>> 4) << 5, u8(d, 26), "index 37 = 10 0101b: bits 3:0, then bits 6:5");
        assertEquals(8 * 37 | 9 << 16 | 1 << 24, d.get(ValueLayout.JAVA_INT, 128 + 4L * 37));
    }

    @Test
    void whatQemuRefusesTheFakeRefuses() {
        var pi = assertThrows(
                IllegalArgumentException.class,
                () -> FakeNamespace.of(100, 512).withMetadata(4, false).withProtection(1, false));
        assertTrue(pi.getMessage().contains("at least 8 bytes of metadata"), pi.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> FakeNamespace.of(100, 512).withProtection(4, false));
        assertThrows(IllegalArgumentException.class, () -> FakeNamespace.of(100, 1000));
        assertThrows(
                IllegalArgumentException.class,
                () -> FakeNamespace.withFormats(100, List.of(new LbaFormat(512, 0, 0)), 1, false));
    }

    @Test
    void theGuardIsCrc16T10Dif() {
        // The CRC catalogue's check value of CRC-16/T10-DIF over "123456789".
        assertEquals(0xd0db, FakeRw.crc16(MemorySegment.ofArray("123456789".getBytes(StandardCharsets.US_ASCII))));
    }
}
