package org.dma4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NumbersTest {
    @Test
    void decimalAndHexOf64BitsNeverOctal() {
        assertEquals(10, Numbers.parse("010"));
        assertEquals(8, Numbers.parse("08"));
        assertEquals(16, Numbers.parse("0x10"));
        assertEquals(0x1ff, Numbers.parse("0X1FF"));
        assertEquals(3_000_000_000L, Numbers.parse("3000000000"));
        assertEquals(Long.MAX_VALUE, Numbers.parse("0x7fffffffffffffff"));
        assertEquals(-5, Numbers.parse("-5"));
        assertEquals(
                "'0xffffffffffffffff' does not fit in 64 bits",
                assertThrows(NumberFormatException.class, () -> Numbers.parse("0xffffffffffffffff"))
                        .getMessage());
        assertEquals(
                "'99999999999999999999' does not fit in 64 bits",
                assertThrows(NumberFormatException.class, () -> Numbers.parse("99999999999999999999"))
                        .getMessage());
        for (String bad : new String[] {"", "0x", "1e3", "4k", "1_000", "٣", " -", "0x-1", "+-1"}) {
            assertEquals(
                    "'" + bad + "' is not a number (decimal, or hex with 0x)",
                    assertThrows(NumberFormatException.class, () -> Numbers.parse(bad))
                            .getMessage(),
                    bad);
        }
    }

    @Test
    void sizesTakeBinarySuffixes() {
        assertEquals(4096, Numbers.parseSize("4k"));
        assertEquals(4096, Numbers.parseSize("4K"));
        assertEquals(1 << 20, Numbers.parseSize("1m"));
        assertEquals(1L << 30, Numbers.parseSize("1g"));
        assertEquals(0x4b, Numbers.parseSize("0x4b")); // a hex digit b, not a suffix
        assertEquals(512, Numbers.parseSize("512"));
        assertEquals(
                "'99999999999g' does not fit in 64 bits",
                assertThrows(NumberFormatException.class, () -> Numbers.parseSize("99999999999g"))
                        .getMessage());
        assertEquals(
                "'4x' is not a number (decimal, or hex with 0x; sizes take k, m or g)",
                assertThrows(NumberFormatException.class, () -> Numbers.parseSize("4x"))
                        .getMessage());
    }
}
