package org.dma4j.nvme.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The data structures' fields sit at the byte offsets of the specification's figures: each test
 * places bytes by hand at the offsets the figure gives and reads them through the accessors, and
 * writes through the setters and compares with a buffer built by hand.
 */
class DataStructureLayoutTest {
    private static void put(MemorySegment s, long offset, int... bytes) {
        for (int i = 0; i < bytes.length; i++) {
            s.set(ValueLayout.JAVA_BYTE, offset + i, (byte) bytes[i]);
        }
    }

    private static void ascii(MemorySegment s, long offset, String text) {
        MemorySegment.copy(
                text.getBytes(StandardCharsets.US_ASCII), 0, s, ValueLayout.JAVA_BYTE, offset, text.length());
    }

    @Test
    void identifyControllerOffsets() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment d = a.allocate(4096, 8);
            put(d, 0, 0x86, 0x80); // VID 8086h, bytes 1:0
            put(d, 2, 0xf4, 0x1a); // SSVID 1AF4h, bytes 3:2
            ascii(d, 4, "SN-1                "); // SN, bytes 23:4
            ascii(d, 24, "Model X"); // MN, bytes 63:24 (the rest 0)
            ascii(d, 64, "FW 2.0  "); // FR, bytes 71:64
            put(d, 77, 5); // MDTS, byte 77
            put(d, 78, 0x34, 0x12); // CNTLID, bytes 79:78
            put(d, 80, 0x00, 0x04, 0x01, 0x00); // VER 1.4.0, bytes 83:80
            put(d, 88, 0x40, 0x42, 0x0f, 0x00); // RTD3E 1 000 000 us, bytes 91:88
            put(d, 512, 0x66, 0x44); // SQES, CQES
            put(d, 516, 0x02, 0x00, 0x00, 0x80); // NN 8000_0002h, bytes 519:516
            put(d, 520, 0x0c, 0x00); // ONCS: DSM and Write Zeroes, bytes 521:520
            put(d, 525, 0x01); // VWC present, byte 525
            assertEquals(0x8086, IdCtrl.vendorId(d));
            assertEquals(0x1af4, IdCtrl.subsystemVendorId(d));
            assertEquals("SN-1", IdCtrl.serialNumber(d));
            assertEquals("Model X", IdCtrl.modelNumber(d));
            assertEquals("FW 2.0", IdCtrl.firmwareRevision(d));
            assertEquals(5, IdCtrl.mdts(d));
            assertEquals(0x1234, IdCtrl.controllerId(d));
            assertEquals(0x0001_0400, IdCtrl.version(d));
            assertEquals(1_000_000, IdCtrl.rtd3eMicros(d));
            assertEquals(0x66, IdCtrl.sqes(d));
            assertEquals(0x44, IdCtrl.cqes(d));
            assertEquals(0x8000_0002L, IdCtrl.namespaces(d));
            assertEquals(IdCtrl.ONCS_DSM | IdCtrl.ONCS_WRITE_ZEROES, IdCtrl.oncs(d));
            assertEquals(IdCtrl.VWC_PRESENT, IdCtrl.vwc(d));

            MemorySegment w = a.allocate(4096, 8);
            IdCtrl.setVendorId(w, 0x8086);
            IdCtrl.setSubsystemVendorId(w, 0x1af4);
            IdCtrl.setSerialNumber(w, "SN-1");
            IdCtrl.setModelNumber(w, "Model X");
            IdCtrl.setFirmwareRevision(w, "FW 2.0");
            IdCtrl.setMdts(w, 5);
            IdCtrl.setControllerId(w, 0x1234);
            IdCtrl.setVersion(w, 0x0001_0400);
            IdCtrl.setRtd3eMicros(w, 1_000_000);
            IdCtrl.setEntrySizes(w, 6, 4);
            IdCtrl.setNamespaces(w, 0x8000_0002);
            IdCtrl.setOncs(w, 0x0c);
            IdCtrl.setVwc(w, 1);
            ascii(d, 24 + 7, " ".repeat(33)); // the setter pads MN with spaces, as the spec asks
            assertArrayEquals(d.toArray(ValueLayout.JAVA_BYTE), w.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void identifyNamespaceOffsetsAndLbaFormats() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment d = a.allocate(4096, 8);
            put(d, 0, 0x00, 0x10); // NSZE 1000h blocks, bytes 7:0
            put(d, 8, 0x00, 0x0f); // NCAP F00h, bytes 15:8
            put(d, 16, 0x01); // NUSE 1, bytes 23:16
            put(d, 25, 17); // NLBAF 17: 18 formats, byte 25
            put(d, 26, 0x31); // FLBAS: index bits 3:0 = 1, extended (bit 4), bits 6:5 = 01b
            put(d, 27, 0x03); // MC
            put(d, 28, 0x1f); // DPC
            put(d, 29, 0x09); // DPS: type 1, first 8 bytes
            put(d, 128, 0x00, 0x00, 0x09, 0x00); // LBAF0: 512 B, no metadata, RP 0
            put(d, 132, 0x08, 0x00, 0x09, 0x02); // LBAF1: 512+8, RP 2
            put(d, 128 + 4 * 17, 0x40, 0x00, 0x0c, 0x03); // LBAF17: 4096+64, RP 3
            assertEquals(0x1000, IdNs.size(d));
            assertEquals(0xf00, IdNs.capacity(d));
            assertEquals(1, IdNs.utilization(d));
            assertEquals(18, IdNs.formats(d));
            assertEquals(0x31, IdNs.flbas(d));
            assertEquals(17, IdNs.formatIndexOf(IdNs.flbas(d), IdNs.formats(d)), "bits 6:5 are the index's bits 5:4");
            assertEquals(
                    1, IdNs.formatIndexOf(0x31, 16), "with 16 formats or fewer bits 6:5 are not part of the index");
            assertEquals(0x31, IdNs.flbasOf(17, true));
            assertEquals(3, IdNs.metadataCapabilities(d));
            assertEquals(0x1f, IdNs.protectionCapabilities(d));
            assertEquals(0x09, IdNs.protectionSettings(d));
            assertEquals(0, IdNs.lbafMetadataSize(d, 0));
            assertEquals(9, IdNs.lbafDataSizeLog2(d, 0));
            assertEquals(8, IdNs.lbafMetadataSize(d, 1));
            assertEquals(2, IdNs.lbafRelativePerformance(d, 1));
            assertEquals(64, IdNs.lbafMetadataSize(d, 17));
            assertEquals(12, IdNs.lbafDataSizeLog2(d, 17));
            assertEquals(3, IdNs.lbafRelativePerformance(d, 17));

            MemorySegment w = a.allocate(4096, 8);
            IdNs.setSize(w, 0x1000, 0xf00, 1);
            IdNs.setFormats(w, 18);
            IdNs.setFlbas(w, IdNs.flbasOf(17, true));
            IdNs.setMetadataCapabilities(w, IdNs.MC_EXTENDED | IdNs.MC_SEPARATE);
            IdNs.setProtectionCapabilities(w, IdNs.DPC_ALL);
            IdNs.setProtectionSettings(w, 1 | IdNs.DPS_FIRST);
            IdNs.setLbaf(w, 0, 0, 9, 0);
            IdNs.setLbaf(w, 1, 8, 9, 2);
            IdNs.setLbaf(w, 17, 64, 12, 3);
            assertArrayEquals(d.toArray(ValueLayout.JAVA_BYTE), w.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void activeNamespaceList() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment d = a.allocate(4096, 8);
            put(d, 0, 1, 0, 0, 0);
            put(d, 4, 7, 0, 0, 0);
            assertEquals(1, IdNs.activeNsid(d, 0));
            assertEquals(7, IdNs.activeNsid(d, 1));
            assertEquals(0, IdNs.activeNsid(d, 2));
            IdNs.setActiveNsid(d, 1023, 9);
            assertEquals(9, d.get(ValueLayout.JAVA_INT, 4092));
        }
    }

    @Test
    void smartLogOffsets() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment d = a.allocate(512, 8);
            put(d, 0, 0x04); // critical warning, byte 0
            put(d, 1, 0x2c, 0x01); // composite temperature 300 K, bytes 2:1
            put(d, 3, 100); // available spare, byte 3
            put(d, 5, 7); // percentage used, byte 5
            put(d, 32, 0x10); // data units read, bytes 47:32
            put(d, 48, 0x20); // data units written, bytes 63:48
            put(d, 64, 0x30); // host read commands, bytes 79:64
            put(d, 80, 0x40); // host write commands, bytes 95:80
            put(d, 112, 3); // power cycles, bytes 127:112
            put(d, 128, 9); // power on hours, bytes 143:128
            put(d, 144, 2); // unsafe shutdowns, bytes 159:144
            put(d, 160, 1); // media and data integrity errors, bytes 175:160
            assertEquals(4, SmartLogPage.criticalWarning(d));
            assertEquals(300, SmartLogPage.compositeTemperature(d));
            assertEquals(100, SmartLogPage.availableSpare(d));
            assertEquals(7, SmartLogPage.percentageUsed(d));
            assertEquals(0x10, SmartLogPage.dataUnitsRead(d));
            assertEquals(0x20, SmartLogPage.dataUnitsWritten(d));
            assertEquals(0x30, SmartLogPage.hostReadCommands(d));
            assertEquals(0x40, SmartLogPage.hostWriteCommands(d));
            assertEquals(3, SmartLogPage.powerCycles(d));
            assertEquals(9, SmartLogPage.powerOnHours(d));
            assertEquals(2, SmartLogPage.unsafeShutdowns(d));
            assertEquals(1, SmartLogPage.mediaErrors(d));
        }
    }

    @Test
    void errorLogEntryOffsets() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment d = a.allocate(128, 8);
            long e = 64; // the second entry
            put(d, e, 0x05); // error count, bytes 7:0
            put(d, e + 8, 0x02, 0x00); // SQID, bytes 9:8
            put(d, e + 10, 0x11, 0x00); // CID, bytes 11:10
            put(d, e + 12, 0x02, 0x05); // status field 0281h (bits 15:1), phase 0
            put(d, e + 16, 0x00, 0x01); // LBA 100h, bytes 23:16
            put(d, e + 24, 0x01); // NSID, bytes 27:24
            assertEquals(5, ErrorLogPage.errorCount(d, 1));
            assertEquals(2, ErrorLogPage.sqId(d, 1));
            assertEquals(0x11, ErrorLogPage.cid(d, 1));
            assertEquals(0x281, ErrorLogPage.status(d, 1));
            assertEquals(0x100, ErrorLogPage.lba(d, 1));
            assertEquals(1, ErrorLogPage.nsid(d, 1));
            assertEquals(0, ErrorLogPage.errorCount(d, 0));
            MemorySegment w = a.allocate(128, 8);
            ErrorLogPage.set(w, 1, 5, 2, 0x11, 0x281, 0x100, 1);
            assertArrayEquals(d.toArray(ValueLayout.JAVA_BYTE), w.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void dsmRangeAndProtectionInformationTuple() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment r = a.allocate(32, 8);
            DsmRange.set(r, 1, 0x1_0000_0002L, 8);
            byte[] want = new byte[32];
            want[16 + 4] = 8; // length in blocks, bytes 7:4
            want[16 + 8] = 2; // starting LBA, bytes 15:8
            want[16 + 12] = 1;
            assertArrayEquals(want, r.toArray(ValueLayout.JAVA_BYTE));
            assertEquals(8, DsmRange.length(r, 1));
            assertEquals(0x1_0000_0002L, DsmRange.slba(r, 1));

            MemorySegment m = a.allocate(16, 8);
            PiTuple.set(m, 3, 0xabcd, 0x1234, 0x0102_0304); // at an odd offset, big-endian
            assertArrayEquals(
                    new byte[] {0, 0, 0, (byte) 0xab, (byte) 0xcd, 0x12, 0x34, 1, 2, 3, 4, 0, 0, 0, 0, 0},
                    m.toArray(ValueLayout.JAVA_BYTE));
            assertEquals(0xabcd, PiTuple.guard(m, 3));
            assertEquals(0x1234, PiTuple.appTag(m, 3));
            assertEquals(0x0102_0304, PiTuple.refTag(m, 3));
        }
    }
}
