package org.dma4j.nvme.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Completion entries written out by hand from the NVMe Base Specification 2.0 ("Common Completion
 * Queue Entry Layout", "Completion Queue Entry: Status Field"), decoded field by field, and encoded
 * back to the same bytes.
 */
class CqeDecodingTest {
    /** A CQE at offset 16 of {@code hex} (two entries; the first is filler). */
    private static MemorySegment cq(Arena a, String hex) {
        byte[] b = HexFormat.of().parseHex("ee".repeat(16) + hex.replaceAll("\\s", ""));
        return a.allocate(32, 16).copyFrom(MemorySegment.ofArray(b));
    }

    @Test
    void successWithDword0SqHeadAndPhaseOne() {
        try (Arena a = Arena.ofConfined()) {
            // DW0 0007_0007h (Number of Queues: 8 and 8), SQHD 5, SQID 1, CID 42h, status word 0001h: P=1, success.
            MemorySegment s = cq(a, "07 00 07 00  00 00 00 00  05 00 01 00  42 00 01 00");
            assertEquals(0x0007_0007, Cqe.dw0(s, 16));
            assertEquals(5, Cqe.sqHead(s, 16));
            assertEquals(1, Cqe.sqId(s, 16));
            assertEquals(0x42, Cqe.cid(s, 16));
            assertEquals(1, Cqe.phase(s, 16));
            assertEquals(0, Cqe.status(s, 16));
            int dw3 = Cqe.dw3Acquire(s, 16);
            assertEquals(0x0001_0042, dw3);
            assertEquals(0x42, Cqe.cidOf(dw3));
            assertEquals(1, Cqe.phaseOf(dw3));
            assertEquals(0, Cqe.statusOf(dw3));
            assertEquals(StatusCode.SUCCESS, StatusCode.of(Cqe.statusOf(dw3)));
        }
    }

    @Test
    void invalidFieldWithDoNotRetry() {
        try (Arena a = Arena.ofConfined()) {
            // Status word 8005h: DNR (bit 15), SCT 0 (bits 11:9), SC 02h (bits 8:1), P=1 (bit 0).
            MemorySegment s = cq(a, "00 00 00 00  00 00 00 00  1f 00 00 00  ff ff 05 80");
            int dw3 = Cqe.dw3Acquire(s, 16);
            assertEquals(0xffff, Cqe.cidOf(dw3));
            assertEquals(1, Cqe.phaseOf(dw3));
            int field = Cqe.statusOf(dw3);
            assertEquals(0x4002, field);
            assertEquals(field, Cqe.status(s, 16));
            assertEquals(0, StatusCode.typeOf(field));
            assertEquals(0x02, StatusCode.codeOf(field));
            assertTrue(StatusCode.doNotRetry(field));
            assertEquals(StatusCode.INVALID_FIELD, StatusCode.of(field));
            assertEquals(0x4002, StatusCode.INVALID_FIELD.withDnr());
            assertEquals(31, Cqe.sqHead(s, 16));
        }
    }

    @Test
    void mediaErrorWithPhaseZeroMoreAndRetryDelay() {
        try (Arena a = Arena.ofConfined()) {
            // Status word 5502h: More (bit 14), CRD 01b (bits 13:12), SCT 2, SC 81h (Unrecovered Read Error), P=0.
            MemorySegment s = cq(a, "00 00 00 00  00 00 00 00  00 00 02 00  07 00 02 55");
            int dw3 = Cqe.dw3Acquire(s, 16);
            assertEquals(0, Cqe.phaseOf(dw3));
            assertEquals(7, Cqe.cidOf(dw3));
            int field = Cqe.statusOf(dw3);
            assertEquals(2, StatusCode.typeOf(field));
            assertEquals(0x81, StatusCode.codeOf(field));
            assertEquals(1, StatusCode.retryDelayOf(field));
            assertTrue((field & StatusCode.MORE) != 0);
            assertFalse(StatusCode.doNotRetry(field));
            assertEquals(StatusCode.UNRECOVERED_READ_ERROR, StatusCode.of(field));
            assertEquals(2, Cqe.sqId(s, 16));
        }
    }

    @Test
    void encodesTheSameBytes() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(16, 16);
            s.fill((byte) 0xee);
            Cqe.writeHead(s, 0, 0x0007_0007, 0, 5, 1);
            Cqe.writeDw3(s, 0, 0xffff, StatusCode.INVALID_FIELD.withDnr(), 1);
            assertArrayEquals(
                    HexFormat.of().parseHex("07000700" + "00000000" + "05000100" + "ffff0580"),
                    s.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void statusCodesAreThoseOfTheSpecification() {
        // Spot checks against the specification's tables (and Linux's NVME_SC_* values: SCT << 8 | SC).
        assertEquals(0x10a, StatusCode.INVALID_FORMAT.field(), "Invalid Format is 0Ah, command specific");
        assertEquals(0x10b, StatusCode.FIRMWARE_NEEDS_CONVENTIONAL_RESET.field());
        assertEquals(0x181, StatusCode.INVALID_PROTECTION_INFORMATION.field());
        assertEquals(0x282, StatusCode.GUARD_CHECK_ERROR.field());
        assertEquals(0x284, StatusCode.REFERENCE_TAG_CHECK_ERROR.field());
        assertEquals(0x008, StatusCode.ABORTED_SQ_DELETION.field());
        assertEquals(0x013, StatusCode.PRP_OFFSET_INVALID.field());
        assertEquals(0x10c, StatusCode.INVALID_QUEUE_DELETION.field());
        assertEquals(0x080, StatusCode.LBA_OUT_OF_RANGE.field());
        assertNull(StatusCode.of(0, 0x7f), "an unknown code has no constant");
        assertEquals(
                StatusCode.values().length,
                java.util.Arrays.stream(StatusCode.values())
                        .map(StatusCode::field)
                        .distinct()
                        .count(),
                "no two constants share a code");
    }
}
