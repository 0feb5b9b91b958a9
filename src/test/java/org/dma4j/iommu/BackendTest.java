package org.dma4j.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dma4j.Dma4jException;
import org.junit.jupiter.api.Test;

/** Backends are named by an enum that parses the command line's names. */
class BackendTest {
    @Test
    void parsesTheLowerCaseNamesInAnyCase() {
        assertEquals(Backend.TYPE1, Backend.parse("type1"));
        assertEquals(Backend.IOMMUFD, Backend.parse("IOMMUFD"));
        assertEquals(Backend.NOIOMMU, Backend.parse(" noiommu "));
        assertEquals(Backend.FAKE, Backend.parse("fake"));
        for (Backend b : Backend.values()) {
            assertEquals(b, Backend.parse(b.id()));
            assertEquals(b.id(), b.toString());
        }
    }

    @Test
    void anUnknownNameIsATypedErrorListingTheChoices() {
        var e = assertThrows(Dma4jException.class, () -> Backend.parse("vfio"));
        assertEquals("'vfio' is not a DMA backend; use one of type1, iommufd, noiommu, fake", e.getMessage());
    }

    @Test
    void theFakeHasNoPciAddressToOpen() {
        var e = assertThrows(Dma4jException.class, () -> DmaSpaces.open(Backend.FAKE, "0000:00:04.0"));
        assertTrue(e.getMessage().contains("FakeDmaSpace.open()"), e.getMessage());
    }
}
