package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** Identify Namespace parsing: the LBA format in use, metadata, protection information, what dma4j drives. */
class NamespaceTest {
    /** CDW12 of Read and Write, written out from the NVM Command Set Specification: PRACT bit 29, PRCHK guard 28, reference tag 26. */
    private static final int PRACT = 1 << 29, PRCHK_GUARD = 1 << 28, PRCHK_REFTAG = 1 << 26;

    /** Identify Namespace data: {@code formats} as {data size, ms} pairs, FLBAS, DPS. */
    private static MemorySegment identify(int[][] formats, int flbas, int dps) {
        MemorySegment d = MemorySegment.ofArray(new long[512]);
        d.set(ValueLayout.JAVA_LONG, 0, 1000);
        d.set(ValueLayout.JAVA_LONG, 8, 900);
        d.set(ValueLayout.JAVA_BYTE, 25, (byte) (formats.length - 1));
        d.set(ValueLayout.JAVA_BYTE, 26, (byte) flbas);
        d.set(ValueLayout.JAVA_BYTE, 27, (byte) 3);
        d.set(ValueLayout.JAVA_BYTE, 29, (byte) dps);
        for (int i = 0; i < formats.length; i++) {
            d.set(
                    ValueLayout.JAVA_INT,
                    128 + 4L * i,
                    formats[i][1] | Integer.numberOfTrailingZeros(formats[i][0]) << 16 | 2 << 24);
        }
        return d;
    }

    private static final int[][] QEMU = {
        {512, 0}, {512, 8}, {512, 16}, {512, 64}, {4096, 0}, {4096, 8}, {4096, 16}, {4096, 64}
    };

    @Test
    void theFormatInUseWithItsMetadata() {
        Namespace ns = Namespace.parse(1, identify(QEMU, 5, 0), "");
        assertEquals(5, ns.formatIndex());
        assertEquals(new LbaFormat(4096, 8, 2), ns.format());
        assertEquals(8, ns.formats().size());
        assertEquals(4096, ns.dataSize());
        assertEquals(8, ns.metadataSize());
        assertEquals(3, ns.metadataCapabilities());
        assertEquals(1000L * 4096, ns.bytes(), "data bytes; metadata not counted");
        assertEquals(1000, ns.blocks());
        assertEquals(900, ns.capacity());
        assertFalse(ns.extendedLba());
        assertEquals(ns, Namespace.parse(1, identify(QEMU, 5, 0), ""));
        assertEquals(ns.hashCode(), Namespace.parse(1, identify(QEMU, 5, 0), "").hashCode());
        assertFalse(ns.equals(Namespace.parse(1, identify(QEMU, 5 | 0x10, 0), "")), "extended differs");
        assertFalse(ns.equals(ns.withNsid(2)));
        assertEquals("namespace 1: 1000 blocks of 4096+8, separate metadata", ns.toString());
    }

    @Test
    void moreThanSixteenFormatsPutTheIndexUpperBitsInFlbasBits6To5() {
        int[][] many = new int[20][];
        for (int i = 0; i < 20; i++) {
            many[i] = new int[] {512, 8 * i};
        }
        // index 17 = 0b1_0001: bits 3:0 = 1, bits 5:4 = 01 go to FLBAS bits 6:5; bit 4 (extended) set too.
        Namespace ns = Namespace.parse(1, identify(many, 1 | 0x10 | 1 << 5, 0), "");
        assertEquals(17, ns.formatIndex());
        assertEquals(136, ns.metadataSize());
        assertTrue(ns.extendedLba());
        assertEquals(512 + 136, ns.blockSize());
        // With 16 formats or fewer, bits 6:5 mean nothing and are ignored.
        Namespace few = Namespace.parse(1, identify(QEMU, 1 | 1 << 5, 0), "");
        assertEquals(1, few.formatIndex());
    }

    @Test
    void theLimitsOfFormatCountAndIndex() {
        int[][] sixteen = new int[16][];
        int[][] seventeen = new int[17][];
        for (int i = 0; i < 17; i++) {
            if (i < 16) {
                sixteen[i] = new int[] {512, i};
            }
            seventeen[i] = new int[] {512, i};
        }
        assertEquals(
                15,
                Namespace.parse(1, identify(sixteen, 15 | 3 << 5, 0), "").formatIndex(),
                "16 formats: bits 6:5 ignored");
        assertEquals(
                16, Namespace.parse(1, identify(seventeen, 1 << 5, 0), "").formatIndex(), "17 formats: bits 6:5 count");
        var e = assertThrows(NvmeException.class, () -> Namespace.parse(1, identify(seventeen, 1 | 1 << 5, 0), ""));
        assertTrue(
                e.getMessage().contains("uses LBA format 17") && e.getMessage().contains("only 17 formats"),
                e.getMessage());
        int[][] max = new int[64][];
        java.util.Arrays.fill(max, new int[] {512, 0});
        assertEquals(64, Namespace.parse(1, identify(max, 0, 0), "").formats().size());
        MemorySegment tooMany = identify(max, 0, 0);
        tooMany.set(ValueLayout.JAVA_BYTE, 25, (byte) 64);
        assertTrue(assertThrows(NvmeException.class, () -> Namespace.parse(1, tooMany, ""))
                .getMessage()
                .contains("65 LBA formats"));
    }

    @Test
    void blockSizesFrom512BytesTo2MiB() {
        assertTrue(Namespace.parse(1, identify(new int[][] {{512, 0}}, 0, 0), "")
                .isSupported());
        assertTrue(Namespace.parse(1, identify(new int[][] {{2 << 20, 0}}, 0, 0), "")
                .isSupported());
        Namespace small = Namespace.parse(1, identify(new int[][] {{256, 0}}, 0, 0), "");
        assertTrue(assertThrows(NvmeException.UnsupportedFormat.class, small::checkSupported)
                .getMessage()
                .contains("LBA data size 256 is outside 512 B to 2 MiB"));
        assertFalse(Namespace.parse(1, identify(new int[][] {{4 << 20, 0}}, 0, 0), "")
                .isSupported());
        MemorySegment bogus = identify(new int[][] {{512, 0}, {512, 0}}, 0, 0);
        bogus.set(ValueLayout.JAVA_INT, 132, 31 << 16); // LBADS 31 in an unused format: no size, no overflow
        assertEquals(0, Namespace.parse(1, bogus, "").formats().get(1).dataSize());
        bogus.set(ValueLayout.JAVA_INT, 132, 30 << 16);
        assertEquals(1 << 30, Namespace.parse(1, bogus, "").formats().get(1).dataSize());
    }

    @Test
    void aFormatIndexBeyondTheFormatsIsTheDevicesError() {
        var e = assertThrows(NvmeException.class, () -> Namespace.parse(3, identify(QEMU, 9, 0), " of 0000:00:04.0"));
        assertTrue(e.getMessage().contains("namespace 3 of 0000:00:04.0 uses LBA format 9"), e.getMessage());
    }

    @Test
    void extendedLbaBlocksCarryTheirMetadata() {
        Namespace ns = Namespace.parse(2, identify(QEMU, 1 | 0x10, 0), "");
        assertEquals(520, ns.blockSize());
        assertEquals(0, ns.separateMetadataSize());
        assertEquals("512+8, extended LBA", ns.describe());
        assertEquals(0, ns.prinfo());
        assertTrue(ns.isSupported());
    }

    @Test
    void separateMetadataNeedsItsOwnBuffer() {
        Namespace ns = Namespace.parse(3, identify(QEMU, 1, 0), "");
        assertEquals(512, ns.blockSize());
        assertEquals(8, ns.separateMetadataSize());
        assertEquals("512+8, separate metadata", ns.describe());
        assertTrue(ns.isSupported());
    }

    @Test
    void eightBytesOfProtectionInformationStayInTheController() {
        for (int flbas : new int[] {1, 1 | 0x10}) {
            Namespace ns = Namespace.parse(4, identify(QEMU, flbas, 1), "");
            assertEquals(512, ns.blockSize(), ns.describe());
            assertEquals(0, ns.separateMetadataSize(), ns.describe());
            assertEquals(PRACT | PRCHK_GUARD | PRCHK_REFTAG, ns.prinfo());
            assertTrue(ns.refTag());
        }
        Namespace type3 = Namespace.parse(4, identify(QEMU, 1, 3 | 8), "");
        assertEquals(PRACT | PRCHK_GUARD, type3.prinfo(), "type 3 has no reference tag");
        assertFalse(type3.refTag());
        assertEquals("512+8, separate metadata, protection information type 3 (first 8 bytes)", type3.describe());
    }

    @Test
    void protectionInformationInLargerMetadataLeavesTheRestToTheHost() {
        Namespace sep = Namespace.parse(7, identify(QEMU, 2, 1 | 8), "");
        assertEquals(16, sep.separateMetadataSize());
        assertEquals(512, sep.blockSize());
        Namespace ext = Namespace.parse(8, identify(QEMU, 2 | 0x10, 2), "");
        assertEquals(528, ext.blockSize());
        assertTrue((ext.prinfo() & PRACT) != 0);
    }

    @Test
    void whatDma4jCannotDriveIsNamedWithWhatItCan() {
        Namespace reserved = Namespace.parse(5, identify(QEMU, 1, 5), " of 0000:00:04.0");
        assertFalse(reserved.isSupported());
        var e = assertThrows(NvmeException.UnsupportedFormat.class, reserved::checkSupported);
        assertTrue(
                e.getMessage()
                        .startsWith("namespace 5 of 0000:00:04.0 has LBA format 1 (512+8, separate metadata,"
                                + " protection information type 5"),
                e.getMessage());
        assertTrue(e.getMessage().contains("reserved protection information type 5"), e.getMessage());
        assertTrue(e.getMessage().contains("dma4j drives formats without metadata, extended LBAs"), e.getMessage());
        Namespace tooSmall = Namespace.parse(6, identify(new int[][] {{512, 4}}, 0, 1), "");
        assertTrue(assertThrows(NvmeException.UnsupportedFormat.class, tooSmall::checkSupported)
                .getMessage()
                .contains("protection information needs 8 bytes of metadata, and it has 4"));
    }
}
