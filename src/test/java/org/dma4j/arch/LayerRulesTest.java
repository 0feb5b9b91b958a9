package org.dma4j.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.core.importer.Locations;
import com.tngtech.archunit.lang.ArchRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The layer rules ({@link LayerRules}) hold for the main classes, and each one fails on a class
 * that breaks it (the {@code ArchFixture*} classes of the test sources, which the main check does
 * not see).
 */
class LayerRulesTest {
    static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.dma4j");

    static List<String> violations(ArchRule rule, JavaClasses classes) {
        return rule.evaluate(classes).getFailureReport().getDetails();
    }

    /** The main classes plus one fixture (and the generated bindings, for the rule that walks them). */
    static JavaClasses mainAnd(Class<?> fixture) {
        List<Location> where = new ArrayList<>();
        for (Location l : Locations.ofPackage("org.dma4j")) {
            if (!l.contains("/test-classes/")) {
                where.add(l);
            }
        }
        where.addAll(Locations.ofClass(fixture));
        return new ClassFileImporter().importLocations(where);
    }

    static void assertCaught(ArchRule rule, Class<?> fixture, String expected) {
        List<String> v = violations(rule, mainAnd(fixture));
        assertTrue(
                v.stream().anyMatch(d -> d.contains(fixture.getName()) && d.contains(expected)),
                rule.getDescription() + " should catch " + fixture.getSimpleName() + " (" + expected + "); reported: "
                        + v);
    }

    @Test
    void mainClassesWereImported() {
        assertTrue(MAIN.contain("org.dma4j.linux.Syscalls") && MAIN.contain("org.dma4j.cli.Main"));
        assertTrue(
                MAIN.stream().noneMatch(c -> c.getSimpleName().startsWith("ArchFixture")), "fixtures are test classes");
    }

    @Test
    void noUpwardDependencies() {
        assertEquals(List.of(), violations(LayerRules.NO_UPWARD_DEPENDENCIES, MAIN));
    }

    @Test
    void theNvmeSpecLayerStandsAlone() {
        assertTrue(MAIN.contain("org.dma4j.nvme.spec.Sqe"));
        assertEquals(List.of(), violations(LayerRules.NVME_SPEC_STANDS_ALONE, MAIN));
        assertCaught(
                LayerRules.NVME_SPEC_STANDS_ALONE,
                org.dma4j.nvme.spec.ArchFixtureSpecUsesDriver.class,
                "org.dma4j.nvme.NvmeStatus");
    }

    @Test
    void restrictedCallsOnlyInSyscalls() {
        assertEquals(List.of(), violations(LayerRules.RESTRICTED_CALLS_ONLY_IN_SYSCALLS, MAIN));
        assertEquals(List.of(), violations(LayerRules.LINKER_ONLY_IN_SYSCALLS, MAIN));
        assertEquals(List.of(), violations(LayerRules.NO_RESTRICTED_CALLS_THROUGH_GENERATED_CODE, MAIN));
    }

    @Test
    void generatedBindingsUsedOnlyByLinuxAndTheKnownUsers() {
        assertEquals(List.of(), violations(LayerRules.GENERATED_USED_ONLY_BY_LINUX, MAIN));
    }

    /** An entry of the FIXME list that no longer uses linux.gen must leave the list, so that it only shrinks. */
    @Test
    void everyKnownGeneratedUserStillUsesIt() {
        Set<String> stale = new TreeSet<>(LayerRules.GEN_USERS_TO_FIX);
        for (JavaClass c : MAIN) {
            if (LayerRules.isKnownGenUser(c)
                    && c.getDirectDependenciesFromSelf().stream()
                            .anyMatch(d -> d.getTargetClass().getPackageName().startsWith("org.dma4j.linux.gen"))) {
                stale.removeIf(name -> LayerRules.inOrNestedIn(c, name));
            }
        }
        assertEquals(
                Set.of(), stale, "no longer use org.dma4j.linux.gen: remove them from LayerRules.GEN_USERS_TO_FIX");
    }

    @Test
    void anUpwardDependencyIsCaught() {
        assertCaught(
                LayerRules.NO_UPWARD_DEPENDENCIES, org.dma4j.linux.ArchFixtureUpward.class, "org.dma4j.pci.PciAddress");
        assertCaught(LayerRules.NO_UPWARD_DEPENDENCIES, org.dma4j.ArchFixtureRootUsesLinux.class, "org.dma4j.linux.Fd");
        assertCaught(
                LayerRules.NO_UPWARD_DEPENDENCIES,
                org.dma4j.nvme.ArchFixtureDriverUsesDoctor.class,
                "org.dma4j.doctor.Doctor");
        assertCaught(
                LayerRules.NO_UPWARD_DEPENDENCIES,
                org.dma4j.edu.ArchFixtureDriverUsesFake.class,
                "org.dma4j.fake.FakeDmaSpace");
        assertCaught(
                LayerRules.NO_UPWARD_DEPENDENCIES,
                org.dma4j.edu.ArchFixtureDriverUsesFake.class,
                "org.dma4j.nvme.NvmeController");
    }

    @Test
    void aRestrictedCallOutsideSyscallsIsCaught() {
        assertCaught(
                LayerRules.RESTRICTED_CALLS_ONLY_IN_SYSCALLS,
                org.dma4j.pci.ArchFixtureReinterpret.class,
                "MemorySegment.reinterpret");
        assertCaught(LayerRules.LINKER_ONLY_IN_SYSCALLS, org.dma4j.pci.ArchFixtureReinterpret.class, "Linker");
    }

    @Test
    void aRestrictedCallThroughGeneratedCodeIsCaught() {
        assertCaught(
                LayerRules.NO_RESTRICTED_CALLS_THROUGH_GENERATED_CODE,
                org.dma4j.linux.ArchFixtureGenerated.class,
                "Linker.downcallHandle");
        assertCaught(
                LayerRules.NO_RESTRICTED_CALLS_THROUGH_GENERATED_CODE,
                org.dma4j.linux.ArchFixtureGenerated.class,
                "MemorySegment.reinterpret");
    }

    @Test
    void aNewUserOfTheGeneratedBindingsIsCaught() {
        assertCaught(
                LayerRules.GENERATED_USED_ONLY_BY_LINUX,
                org.dma4j.nvme.ArchFixtureDriverUsesDoctor.class,
                "org.dma4j.linux.gen.libc.libc_h");
    }
}
