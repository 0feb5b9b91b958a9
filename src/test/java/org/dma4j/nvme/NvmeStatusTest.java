package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dma4j.nvme.spec.StatusCode;
import org.junit.jupiter.api.Test;

/** Status fields decoded and named as the NVMe Base Specification 2.0's status code figures name them. */
class NvmeStatusTest {
    @Test
    void decodesTheStatusField() {
        // 4281h: DNR (bit 14), SCT 2 (bits 10:8), SC 81h.
        NvmeStatus s = NvmeStatus.of(0x4281);
        assertEquals(new NvmeStatus(2, 0x81, true), s);
        assertEquals("Unrecovered Read Error (SCT 2, SC 0x81, DNR)", s.toString());
        assertTrue(s.is(StatusCode.UNRECOVERED_READ_ERROR));
        assertEquals(StatusCode.UNRECOVERED_READ_ERROR, s.statusCode());
    }

    @Test
    void commandSpecificCodesHaveTheirOwnNames() {
        // Command Specific Status Values: 0Ah Invalid Format, 0Bh Firmware Activation Requires
        // Conventional Reset, 81h (NVM command set) Invalid Protection Information.
        assertEquals("Invalid Format", new NvmeStatus(1, 0x0a, false).name());
        assertEquals("Firmware Activation Requires Conventional Reset", new NvmeStatus(1, 0x0b, false).name());
        assertEquals("Invalid Protection Information", new NvmeStatus(1, 0x81, false).name());
        assertEquals("Capacity Exceeded", new NvmeStatus(0, 0x81, false).name(), "the same code, generic");
    }

    @Test
    void unknownCodesAreNamedByType() {
        assertNull(new NvmeStatus(0, 0x7e, false).statusCode());
        assertEquals("Generic Command Status 0x7e", new NvmeStatus(0, 0x7e, false).name());
        assertEquals("Status type 7 code 0xc0", new NvmeStatus(7, 0xc0, false).name());
    }
}
