package org.dma4j.arch;

import static org.dma4j.arch.LayerRulesTest.MAIN;
import static org.dma4j.arch.LayerRulesTest.assertCaught;
import static org.dma4j.arch.LayerRulesTest.violations;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The error rules ({@link ErrorRules}) hold for the main classes and catch a class that breaks them. */
class ErrorRulesTest {
    @Test
    void everyExceptionTheLibraryMakesIsADma4jExceptionOrAnArgumentError() {
        assertEquals(List.of(), violations(ErrorRules.ONLY_DMA4J_EXCEPTIONS_CONSTRUCTED, MAIN));
    }

    @Test
    void noJdkIndexChecks() {
        assertEquals(List.of(), violations(ErrorRules.NO_JDK_INDEX_CHECKS, MAIN));
    }

    @Test
    void otherExceptionsAreCaught() {
        assertCaught(
                ErrorRules.ONLY_DMA4J_EXCEPTIONS_CONSTRUCTED,
                org.dma4j.pci.ArchFixtureUntypedErrors.class,
                "java.lang.IndexOutOfBoundsException");
        assertCaught(
                ErrorRules.ONLY_DMA4J_EXCEPTIONS_CONSTRUCTED,
                org.dma4j.pci.ArchFixtureUntypedErrors.class,
                "java.lang.IllegalStateException");
        assertCaught(
                ErrorRules.ONLY_DMA4J_EXCEPTIONS_CONSTRUCTED,
                org.dma4j.pci.ArchFixtureUntypedErrors.class,
                "java.io.UncheckedIOException");
    }

    @Test
    void aJdkIndexCheckIsCaught() {
        assertCaught(
                ErrorRules.NO_JDK_INDEX_CHECKS, org.dma4j.pci.ArchFixtureUntypedErrors.class, "Objects.checkIndex");
    }
}
