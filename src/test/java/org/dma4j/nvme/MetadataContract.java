package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.PciDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The driver on namespaces with metadata, asserted the same way on the fake NVMe controller and
 * on QEMU's (GuestSuiteIT's nvmemeta guest: MDTS 16 KiB, 16 MiB namespaces): 1 plain,
 * 2 {@code ms=8,mset=1}, 3 {@code ms=8,mset=0}, 4 {@code ms=8,pi=1}, 5 {@code ms=8,mset=1,pi=1},
 * 6 {@code lbads=12,ms=64,mset=1}, 7 {@code ms=16,pi=1,pil=1}, 8 {@code ms=16,mset=1,pi=3}.
 * The device judges: what it stored comes back, the protection information it generated
 * carries the guard computed here, and no DMA lands outside a mapping.
 */
public abstract class MetadataContract {
    /** Bytes per namespace image: QEMU's NSZE is this over (data + metadata). */
    public static final long SIZE = 16L << 20;

    protected PciDevice device;
    protected NvmeController ctrl;
    private IoQueue q;

    /** Opens the device under test (and its DMA space, which closeDevice closes). */
    protected abstract PciDevice openDevice();

    protected abstract void closeDevice(PciDevice d);

    /** DMA faults (IOMMU faults, driver bugs) seen so far: none may appear during a test. */
    protected abstract int faults();

    @BeforeEach
    void open() {
        device = openDevice();
        ctrl = NvmeController.open(device);
        q = ctrl.createIoQueue(32);
    }

    @AfterEach
    void close() {
        try {
            if (ctrl != null) {
                ctrl.close();
            }
        } finally {
            if (device != null) {
                closeDevice(device);
            }
        }
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void theDeviceReportsTheFormatsTheRigAskedFor() {
        List<Namespace> all = ctrl.namespaces();
        assertEquals(8, all.size());
        String[] expected = {
            "512",
            "512+8, extended LBA",
            "512+8, separate metadata",
            "512+8, separate metadata, protection information type 1 (last 8 bytes)",
            "512+8, extended LBA, protection information type 1 (last 8 bytes)",
            "4096+64, extended LBA",
            "512+16, separate metadata, protection information type 1 (first 8 bytes)",
            "512+16, extended LBA, protection information type 3 (last 8 bytes)"
        };
        int[] blockSize = {512, 520, 512, 512, 512, 4160, 512, 528};
        int[] separate = {0, 0, 8, 0, 0, 0, 16, 0};
        for (int i = 0; i < all.size(); i++) {
            Namespace ns = all.get(i);
            assertEquals(expected[i], ns.describe(), "namespace " + ns.nsid());
            assertEquals(blockSize[i], ns.blockSize(), ns.describe());
            assertEquals(separate[i], ns.separateMetadataSize(), ns.describe());
            assertTrue(ns.isSupported(), ns.describe());
            assertEquals(3, ns.metadataCapabilities(), "QEMU offers extended and separate metadata");
            // QEMU sizes a namespace as image / (data + metadata): NSZE cross-checks MS.
            assertEquals(SIZE / (ns.dataSize() + ns.metadataSize()), ns.blocks(), ns.describe());
        }
        assertEquals(1, all.get(1).formatIndex(), "512+8 is QEMU's LBAF1");
        assertEquals(7, all.get(5).formatIndex(), "4096+64 is QEMU's LBAF7");
    }

    /** Writes {@code n} blocks with data and metadata from an odd offset, reads them back whole and one by one. */
    private void extendedRoundTrip(int nsid, int n) {
        Namespace ns = ctrl.namespace(nsid);
        int bs = ns.blockSize();
        int faults = faults();
        byte[] pattern = random(nsid, n * bs);
        try (DmaBuffer buf = DmaBuffer.allocate((long) 3 * n * bs + 8192);
                DmaMapping m = ctrl.device().dmaSpace().map(buf, DmaDirection.BIDIRECTIONAL)) {
            MemorySegment s = buf.segment();
            s.asSlice(4, pattern.length).copyFrom(MemorySegment.ofArray(pattern));
            q.write(ns, 10, n, m, 4); // more than one MDTS (16 KiB): split, each piece n * (data + metadata)
            long in = n * bs + 1024L;
            s.asSlice(in, n * bs + 512L).fill((byte) 0x5a);
            q.read(ns, 10, n, m, in);
            assertArrayEquals(pattern, s.asSlice(in, pattern.length).toArray(ValueLayout.JAVA_BYTE));
            for (long i = 0; i < 512; i++) {
                assertEquals(
                        (byte) 0x5a,
                        s.get(ValueLayout.JAVA_BYTE, in + pattern.length + i),
                        "nothing past the transfer");
            }
            long one = 2L * n * bs + 4096;
            for (int b = 0; b < n; b += 7) { // block by block, the same bytes: the layout is per block
                q.read(ns, 10 + b, 1, m, one);
                assertArrayEquals(
                        java.util.Arrays.copyOfRange(pattern, b * bs, (b + 1) * bs),
                        s.asSlice(one, bs).toArray(ValueLayout.JAVA_BYTE),
                        "block " + b);
            }
            q.writeZeroes(ns, 10, 1); // QEMU zeroes the metadata too: all of the block's bytes read as 0
            s.asSlice(one, bs).fill((byte) 1);
            q.read(ns, 10, 1, m, one);
            assertArrayEquals(new byte[bs], s.asSlice(one, bs).toArray(ValueLayout.JAVA_BYTE));
        }
        assertEquals(faults, faults(), "no DMA outside a mapping");
    }

    @Test
    void extendedLbaDataAndMetadataRoundTrip() {
        extendedRoundTrip(2, 70);
    }

    @Test
    void extendedLbaWithLargeBlocksAndMetadataRoundTrip() {
        extendedRoundTrip(6, 9);
    }

    @Test
    void separateMetadataTravelsThroughItsOwnBuffer() {
        Namespace ns = ctrl.namespace(3);
        int n = 70; // three commands at 16 KiB: the metadata pointer advances with the data
        int faults = faults();
        byte[] data = random(3, n * 512);
        byte[] meta = random(33, n * 8);
        try (DmaBuffer db = DmaBuffer.allocate(2L * n * 512);
                DmaBuffer mb = DmaBuffer.allocate(4096);
                DmaMapping dm = ctrl.device().dmaSpace().map(db, DmaDirection.BIDIRECTIONAL);
                DmaMapping mm = ctrl.device().dmaSpace().map(mb, DmaDirection.BIDIRECTIONAL)) {
            db.segment().asSlice(0, data.length).copyFrom(MemorySegment.ofArray(data));
            mb.segment().asSlice(8, meta.length).copyFrom(MemorySegment.ofArray(meta));
            q.write(ns, 5, n, dm, 0, mm, 8);
            db.segment().fill((byte) 0);
            mb.segment().fill((byte) 0);
            q.read(ns, 5, n, dm, n * 512L, mm, 2048);
            assertArrayEquals(data, db.segment().asSlice(n * 512L, data.length).toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(meta, mb.segment().asSlice(2048, meta.length).toArray(ValueLayout.JAVA_BYTE));

            mb.segment().fill((byte) 0); // the same, submitted and polled
            mb.segment().asSlice(0, 16).copyFrom(MemorySegment.ofArray(java.util.Arrays.copyOf(meta, 16)));
            int w = q.submitWrite(ns, 200, 2, dm, 0, mm, 0);
            while (!q.isDone(w)) {
                q.poll();
            }
            q.finish(w);
            int r = q.submitRead(ns, 200, 2, dm, 4096, mm, 64);
            while (!q.isDone(r)) {
                q.poll();
            }
            q.finish(r);
            assertArrayEquals(
                    java.util.Arrays.copyOf(meta, 16),
                    mb.segment().asSlice(64, 16).toArray(ValueLayout.JAVA_BYTE));
            mb.segment().set(ValueLayout.JAVA_LONG, 0, 0x1122_3344_5566_7788L);
            q.write(ns, 200, 1, dm, 0, mm, 0);
            q.read(ns, 200, 1, dm, 4096, mm, 64);
            assertEquals(0x1122_3344_5566_7788L, mb.segment().get(ValueLayout.JAVA_LONG, 64));

            int free = q.free();
            var refused = assertThrows(IllegalArgumentException.class, () -> q.read(ns, 5, 1, dm, 0));
            assertTrue(
                    refused.getMessage().contains("namespace 3 (512+8, separate metadata) needs a metadata buffer"),
                    refused.getMessage());
            assertEquals(free, q.free(), "nothing was submitted");
        }
        assertEquals(faults, faults(), "no DMA outside a mapping");
    }

    @Test
    void protectionInformationIsTheControllers() {
        int faults = faults();
        for (int nsid : new int[] {4, 5}) { // 8 bytes of PI, separate and extended: only data crosses
            Namespace ns = ctrl.namespace(nsid);
            byte[] data = random(nsid, 40 * 512);
            try (DmaBuffer b = DmaBuffer.allocate(2 * 40 * 512);
                    DmaMapping m = ctrl.device().dmaSpace().map(b, DmaDirection.BIDIRECTIONAL)) {
                b.segment().asSlice(0, data.length).copyFrom(MemorySegment.ofArray(data));
                q.write(ns, 1000, 40, m, 0); // PRACT: QEMU generates guard and reference tag
                q.read(ns, 1000, 40, m, data.length); // PRCHK guard + reference tag: QEMU checks what it made
                assertArrayEquals(
                        data,
                        b.segment().asSlice(data.length, data.length).toArray(ValueLayout.JAVA_BYTE),
                        ns.describe());
            }
        }
        assertEquals(faults, faults(), "no DMA outside a mapping");
    }

    @Test
    void protectionInformationInLargerMetadataIsGeneratedByTheController() {
        var be16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
        var be32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
        int n = 4;
        int faults = faults();
        // 7: 512+16 separate, PI type 1 first; 8: 512+16 extended, PI type 3 last.
        Namespace sep = ctrl.namespace(7);
        byte[] data = random(7, n * 512);
        byte[] meta = random(77, n * 16);
        try (DmaBuffer db = DmaBuffer.allocate(n * 512);
                DmaBuffer mb = DmaBuffer.allocate(4096);
                DmaMapping dm = ctrl.device().dmaSpace().map(db, DmaDirection.BIDIRECTIONAL);
                DmaMapping mm = ctrl.device().dmaSpace().map(mb, DmaDirection.BIDIRECTIONAL)) {
            db.segment().copyFrom(MemorySegment.ofArray(data));
            mb.segment().asSlice(0, meta.length).copyFrom(MemorySegment.ofArray(meta));
            q.write(sep, 300, n, dm, 0, mm, 0);
            db.segment().fill((byte) 0);
            mb.segment().fill((byte) 0);
            q.read(sep, 300, n, dm, 0, mm, 0);
            assertArrayEquals(data, db.segment().asSlice(0, data.length).toArray(ValueLayout.JAVA_BYTE));
            for (int i = 0; i < n; i++) {
                MemorySegment t = mb.segment().asSlice(16L * i, 16);
                assertEquals(
                        crc16(MemorySegment.ofArray(data).asSlice(512L * i, 512)),
                        Short.toUnsignedInt(t.get(be16, 0)),
                        "QEMU's guard is CRC-16 T10-DIF of block " + i);
                assertEquals(300 + i, t.get(be32, 4), "type 1 reference tag: the LBA");
                assertArrayEquals(
                        java.util.Arrays.copyOfRange(meta, 16 * i + 8, 16 * i + 16),
                        t.asSlice(8, 8).toArray(ValueLayout.JAVA_BYTE),
                        "the host's metadata after the PI");
            }
        }
        Namespace ext = ctrl.namespace(8);
        byte[] blocks = random(8, n * 528);
        try (DmaBuffer b = DmaBuffer.allocate(n * 528);
                DmaMapping m = ctrl.device().dmaSpace().map(b, DmaDirection.BIDIRECTIONAL)) {
            b.segment().copyFrom(MemorySegment.ofArray(blocks));
            q.write(ext, 40, n, m, 0);
            b.segment().fill((byte) 0);
            q.read(ext, 40, n, m, 0);
            for (int i = 0; i < n; i++) {
                MemorySegment blk = b.segment().asSlice(528L * i, 528);
                assertArrayEquals(
                        java.util.Arrays.copyOfRange(blocks, 528 * i, 528 * i + 520),
                        blk.asSlice(0, 520).toArray(ValueLayout.JAVA_BYTE),
                        "data and the host's 8 metadata bytes, block " + i);
                // The guard covers the data and the metadata before the PI (here the host's 8 bytes).
                assertEquals(
                        crc16(blk.asSlice(0, 520)),
                        Short.toUnsignedInt(blk.get(be16, 520)),
                        "guard in the last 8 bytes");
            }
        }
        assertEquals(faults, faults(), "no DMA outside a mapping");
    }

    @Test
    void theControllerChecksProtectionInformationItDidNotMake() {
        var be16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
        var be32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
        Namespace pi = ctrl.namespace(7); // 512+16 separate, type 1 PI in the first 8 bytes
        // The same namespace seen without protection information: writes carry the host's PI, unchecked.
        Namespace raw =
                new Namespace(7, pi.blocks(), pi.capacity(), List.of(new LbaFormat(512, 16, 0)), 0, false, 3, 0, "");
        int faults = faults();
        byte[] data = random(70, 3 * 512);
        try (DmaBuffer db = DmaBuffer.allocate(4096);
                DmaBuffer mb = DmaBuffer.allocate(4096);
                DmaMapping dm = ctrl.device().dmaSpace().map(db, DmaDirection.BIDIRECTIONAL);
                DmaMapping mm = ctrl.device().dmaSpace().map(mb, DmaDirection.BIDIRECTIONAL)) {
            db.segment().asSlice(0, data.length).copyFrom(MemorySegment.ofArray(data));
            MemorySegment md = mb.segment();
            md.fill((byte) 0);
            for (int i = 0; i < 3; i++) { // LBAs 500..502: right guard and tag, a wrong guard, a wrong reference tag
                md.set(be16, 16L * i, (short) (crc16(db.segment().asSlice(512L * i, 512)) ^ (i == 1 ? 0x1234 : 0)));
                md.set(be32, 16L * i + 4, 500 + i + (i == 2 ? 7 : 0));
            }
            q.write(raw, 500, 3, dm, 0, mm, 0);
            q.read(pi, 500, 1, dm, 2048, mm, 1024); // PRCHK guard + reference tag: what we computed is what QEMU checks
            assertArrayEquals(
                    java.util.Arrays.copyOfRange(data, 0, 512),
                    db.segment().asSlice(2048, 512).toArray(ValueLayout.JAVA_BYTE));
            var guard = assertThrows(NvmeException.class, () -> q.read(pi, 501, 1, dm, 2048, mm, 1024));
            assertEquals(2, guard.status().type(), guard.getMessage());
            assertEquals(0x82, guard.status().code(), "End-to-end Guard Check Error: " + guard.getMessage());
            var ref = assertThrows(NvmeException.class, () -> q.read(pi, 502, 1, dm, 2048, mm, 1024));
            assertEquals(0x84, ref.status().code(), "End-to-end Reference Tag Check Error: " + ref.getMessage());
            q.read(pi, 500, 1, dm, 2048, mm, 1024); // the queue goes on
        }
        assertEquals(faults, faults(), "no DMA outside a mapping");
    }

    /** CRC-16 T10-DIF (polynomial 8BB7h, initial value 0, not reflected), computed here to judge QEMU's. */
    public static int crc16(MemorySegment s) {
        int crc = 0;
        for (long i = 0; i < s.byteSize(); i++) {
            crc ^= (s.get(ValueLayout.JAVA_BYTE, i) & 0xff) << 8;
            for (int b = 0; b < 8; b++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x8bb7 : crc << 1;
            }
            crc &= 0xffff;
        }
        return crc;
    }
}
