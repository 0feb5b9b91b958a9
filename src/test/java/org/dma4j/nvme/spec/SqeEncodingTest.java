package org.dma4j.nvme.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every command encoder, byte for byte, against entries written out by hand from the NVMe Base
 * Specification 2.0 ("Common Command Format" and each command's dword figures) and the NVM
 * Command Set Specification 1.0: little-endian, 16 bytes per line. The entry is filled with AAh
 * first, so a byte the encoder forgets shows.
 */
class SqeEncodingTest {
    private final Arena arena = Arena.ofConfined();
    /** Two entries: the command is written into the second slot, at offset 64, as a driver writes a queue slot. */
    private final MemorySegment sq = arena.allocate(2L * Sqe.SIZE, 4096);

    @AfterEach
    void close() {
        arena.close();
    }

    private long slot() {
        sq.fill((byte) 0xaa);
        return Sqe.SIZE;
    }

    private void assertEntry(String expected) {
        byte[] want = HexFormat.of().parseHex(expected.replaceAll("[\\s|]", ""));
        assertEquals(64, want.length, "the expected entry is 64 bytes");
        assertArrayEquals(
                want,
                sq.asSlice(Sqe.SIZE, Sqe.SIZE).toArray(ValueLayout.JAVA_BYTE),
                () -> "entry was "
                        + HexFormat.of()
                                .formatHex(sq.asSlice(Sqe.SIZE, Sqe.SIZE).toArray(ValueLayout.JAVA_BYTE)));
        for (long i = 0; i < Sqe.SIZE; i++) {
            assertEquals((byte) 0xaa, sq.get(ValueLayout.JAVA_BYTE, i), "the slot before is untouched");
        }
    }

    @Test
    void createIoCq() {
        // QID 3, 256 entries (QSIZE FFh), PRP1 1_2345_6000h, PC, IEN, IV 2.
        AdminCommands.createIoCq(sq, slot(), 0x1234, 3, 256, 0x1_2345_6000L, true, true, 2);
        assertEntry("""
                05 00 34 12  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 60 45 23  01 00 00 00
                00 00 00 00  00 00 00 00  03 00 ff 00  03 00 02 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
    }

    @Test
    void createIoCqPolledHasNoVector() {
        AdminCommands.createIoCq(sq, slot(), 1, 1, 2, 0x3000, true, false, 5);
        assertEntry("""
                05 00 01 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 30 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  01 00 01 00  01 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
    }

    @Test
    void createIoSq() {
        // QID 3, 64 entries (QSIZE 3Fh), PRP1 8000_0000h, PC, CQID 3.
        AdminCommands.createIoSq(sq, slot(), 7, 3, 64, 0x8000_0000L, true, 3);
        assertEntry("""
                01 00 07 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 80  00 00 00 00
                00 00 00 00  00 00 00 00  03 00 3f 00  01 00 03 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
    }

    @Test
    void deleteQueues() {
        AdminCommands.deleteIoSq(sq, slot(), 9, 3);
        assertEntry("""
                00 00 09 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  03 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
        AdminCommands.deleteIoCq(sq, slot(), 10, 3);
        assertEntry("""
                04 00 0a 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  03 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
    }

    @Test
    void identifyController() {
        AdminCommands.identify(sq, slot(), 0, Cns.CONTROLLER, 0, 0x1000_0000L, 0);
        assertEntry("""
                06 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 10  00 00 00 00
                00 00 00 00  00 00 00 00  01 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
    }

    @Test
    void identifyNamespaceAndActiveList() {
        AdminCommands.identify(sq, slot(), 2, Cns.NAMESPACE, 1, 0x5000, 0);
        assertEntry("""
                06 00 02 00  01 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 50 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
        AdminCommands.identify(sq, slot(), 3, Cns.ACTIVE_NAMESPACES, 0, 0x5000, 0);
        assertEntry("""
                06 00 03 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 50 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  02 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
    }

    @Test
    void setAndGetNumberOfQueues() {
        // FID 07h; NCQR and NSQR 0's based: 8 and 8 queues are 7 and 7.
        AdminCommands.setNumberOfQueues(sq, slot(), 1, 8, 8);
        assertEntry("""
                09 00 01 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  07 00 00 00  07 00 07 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
        AdminCommands.getFeatures(sq, slot(), 2, FeatureId.NUMBER_OF_QUEUES);
        assertEntry("""
                0a 00 02 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  07 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
        // Completion dword 0 of 00030001h: NCQA 3 -> 4 completion queues, NSQA 1 -> 2 submission queues.
        assertEquals(2, AdminCommands.submissionQueuesOf(0x0003_0001));
        assertEquals(4, AdminCommands.completionQueuesOf(0x0003_0001));
    }

    @Test
    void getLogPage() {
        // SMART for every namespace: 512 bytes = 128 dwords, NUMDL 127 (7Fh), LID 02h.
        AdminCommands.getLogPage(sq, slot(), 4, LogPageId.SMART_HEALTH, AdminCommands.NSID_ALL, 512, 0x7000, 0);
        assertEntry("""
                02 00 04 00  ff ff ff ff  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 70 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  02 00 7f 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
        // Error log, 1 MiB + 4 bytes = 40001h dwords: NUMD 40000h, NUMDL 0000h, NUMDU 0004h.
        AdminCommands.getLogPage(sq, slot(), 5, LogPageId.ERROR_INFORMATION, 0, 0x10_0004L, 0x7000, 0x8000);
        assertEntry("""
                02 00 05 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 70 00 00  00 00 00 00
                00 80 00 00  00 00 00 00  01 00 00 00  04 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
        assertEquals(0x10_0004L, AdminCommands.logPageBytes(sq, Sqe.SIZE));
    }

    @Test
    void abort() {
        // CID 5 of SQ 2: CDW10 0005_0002h.
        AdminCommands.abort(sq, slot(), 6, 2, 5);
        assertEntry("""
                08 00 06 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  02 00 05 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
    }

    @Test
    void readWithPrp1AndPrp2() {
        // 8 blocks of 512 B from 1_0000_0010h, 4 KiB starting 512 bytes into a page: PRP1 at that
        // offset, PRP2 the next page. NLB 7.
        NvmCommands.read(sq, slot(), 0x42, 1, 0x1_0000_0010L, 8, 0x20_0200L, 0x20_1000L, 0, 0, 0);
        assertEntry("""
                02 00 42 00  01 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 02 20 00  00 00 00 00
                00 10 20 00  00 00 00 00  10 00 00 00  01 00 00 00
                07 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
    }

    @Test
    void writeWithProtectionInformationAndMetadataPointer() {
        // 65536 blocks (NLB FFFFh), PRACT + PRCHK guard and reference tag (bits 29, 28, 26: 3400_0000h),
        // ILBRT 10h, MPTR 9000h, PRP2 a PRP list at A000h.
        NvmCommands.write(
                sq,
                slot(),
                0xffff,
                2,
                0x10,
                65536,
                0x4000,
                0xa000,
                0x9000,
                NvmCommands.PRACT | NvmCommands.PRCHK_GUARD | NvmCommands.PRCHK_REFTAG,
                0x10);
        assertEntry("""
                01 00 ff ff  02 00 00 00  00 00 00 00  00 00 00 00
                00 90 00 00  00 00 00 00  00 40 00 00  00 00 00 00
                00 a0 00 00  00 00 00 00  10 00 00 00  00 00 00 00
                ff ff 00 34  00 00 00 00  10 00 00 00  00 00 00 00""");
    }

    @Test
    void flushWriteZeroesAndDeallocate() {
        NvmCommands.flush(sq, slot(), 3, 1);
        assertEntry("""
                00 00 03 00  01 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
        NvmCommands.writeZeroes(sq, slot(), 4, 1, 100, 16, 0, 0);
        assertEntry("""
                08 00 04 00  01 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  64 00 00 00  00 00 00 00
                0f 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
        // One range (NR 0), attribute AD (bit 2), the range list at PRP1.
        NvmCommands.datasetManagement(sq, slot(), 5, 1, 1, NvmCommands.DSM_AD, 0xb000, 0);
        assertEntry("""
                09 00 05 00  01 00 00 00  00 00 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 b0 00 00  00 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  04 00 00 00
                00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00""");
    }

    @Test
    void writeStoresEveryFieldWhereTheLayoutReadsIt() {
        // Sqe.write stores quadwords; each field read back through the layout must be the one given.
        long at = slot();
        Sqe.write(
                sq,
                at,
                0x9e,
                0xbeef,
                0x8765_4321,
                0x1111_2222_3333_4444L,
                0x5555_6666_7777_8888L,
                0x9999_aaaa_bbbb_ccccL,
                0x8000_0010,
                0x8000_0011,
                0x8000_0012,
                0x8000_0013,
                0x8000_0014,
                0x8000_0015);
        assertEquals(0x9e, Sqe.opcode(sq, at));
        assertEquals(0, Sqe.flags(sq, at));
        assertEquals(0xbeef, Sqe.cid(sq, at));
        assertEquals(0x8765_4321, Sqe.nsid(sq, at));
        assertEquals(0, Sqe.cdw2(sq, at));
        assertEquals(0, Sqe.cdw3(sq, at));
        assertEquals(0x1111_2222_3333_4444L, Sqe.mptr(sq, at));
        assertEquals(0x5555_6666_7777_8888L, Sqe.prp1(sq, at));
        assertEquals(0x9999_aaaa_bbbb_ccccL, Sqe.prp2(sq, at));
        int[] dwords = {
            Sqe.cdw10(sq, at),
            Sqe.cdw11(sq, at),
            Sqe.cdw12(sq, at),
            Sqe.cdw13(sq, at),
            Sqe.cdw14(sq, at),
            Sqe.cdw15(sq, at)
        };
        for (int i = 0; i < 6; i++) {
            assertEquals(0x8000_0010 + i, dwords[i], "CDW" + (10 + i));
        }
    }

    @Test
    void decodersReadWhatTheSpecificationPlacesWhere() {
        // A Create I/O CQ and a Write put together by hand, byte by byte.
        byte[] cq = HexFormat.of()
                .parseHex("05000900" + "00".repeat(20) + "0030000000000000" + "00".repeat(8) + "0200ff00" + "03000400"
                        + "00".repeat(16));
        MemorySegment e = arena.allocate(64, 8).copyFrom(MemorySegment.ofArray(cq));
        assertEquals(0x05, Sqe.opcode(e, 0));
        assertEquals(9, Sqe.cid(e, 0));
        assertEquals(0x3000, Sqe.prp1(e, 0));
        assertEquals(2, AdminCommands.queueId(e, 0));
        assertEquals(256, AdminCommands.queueEntries(e, 0));
        assertTrue(AdminCommands.contiguous(e, 0));
        assertTrue(AdminCommands.interruptsEnabled(e, 0));
        assertEquals(4, AdminCommands.interruptVector(e, 0));
        assertEquals(4, AdminCommands.completionQueueId(e, 0)); // the same bits, read as Create I/O SQ's CQID

        byte[] w = HexFormat.of()
                .parseHex("0140" + "0700" + "01000000" + "00".repeat(8) + "0090000000000000"
                        + "0040000000000000" + "0000000000000000" + "78563412" + "01000000" + "07000018" + "00000000"
                        + "efbeadde" + "3412ffff");
        MemorySegment e2 = arena.allocate(64, 8).copyFrom(MemorySegment.ofArray(w));
        assertEquals(0x01, Sqe.opcode(e2, 0));
        assertEquals(0x40, Sqe.flags(e2, 0), "PSDT 01b");
        assertEquals(7, Sqe.cid(e2, 0));
        assertEquals(0x9000, Sqe.mptr(e2, 0));
        assertEquals(0x1_1234_5678L, NvmCommands.slba(e2, 0));
        assertEquals(8, NvmCommands.blocks(e2, 0));
        assertFalse(NvmCommands.pract(e2, 0));
        assertEquals(0b110, NvmCommands.prchk(e2, 0), "bits 28 and 27: guard and application tag");
        assertEquals(0xdeadbeef, NvmCommands.refTag(e2, 0));
        assertEquals(0x1234, NvmCommands.appTag(e2, 0));
        assertEquals(0xffff, NvmCommands.appTagMask(e2, 0));
    }
}
