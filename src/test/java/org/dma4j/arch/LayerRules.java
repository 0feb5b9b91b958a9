package org.dma4j.arch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The layer rules of {@code DESIGN.md}, as ArchUnit rules over compiled classes: {@link LayerRulesTest}
 * checks them on the main classes, and that each one catches a violation it is shown.
 */
final class LayerRules {
    private LayerRules() {}

    static final String GEN = "org.dma4j.linux.gen..";
    static final String SYSCALLS = "org.dma4j.linux.Syscalls";

    /**
     * Lowest first; each layer may use only those listed (its own classes always). The root
     * package holds values and exceptions every layer shares, and uses none. {@code doctor} sits
     * beside {@code nvme} and {@code fake}, above {@code pci}: only the CLI uses it.
     */
    static final ArchRule NO_UPWARD_DEPENDENCIES = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("root")
            .definedBy("org.dma4j")
            .layer("linux")
            .definedBy("org.dma4j.linux..")
            .layer("mem")
            .definedBy("org.dma4j.mem..")
            .layer("iommu")
            .definedBy("org.dma4j.iommu..")
            .layer("pci")
            .definedBy("org.dma4j.pci..")
            .layer("nvme")
            .definedBy("org.dma4j.nvme..")
            .layer("edu")
            .definedBy("org.dma4j.edu..")
            .layer("fake")
            .definedBy("org.dma4j.fake..")
            .layer("doctor")
            .definedBy("org.dma4j.doctor..")
            .layer("cli")
            .definedBy("org.dma4j.cli..")
            .whereLayer("root")
            .mayNotAccessAnyLayer()
            .whereLayer("linux")
            .mayOnlyAccessLayers("root")
            .whereLayer("mem")
            .mayOnlyAccessLayers("root", "linux")
            .whereLayer("iommu")
            .mayOnlyAccessLayers("root", "linux", "mem")
            .whereLayer("pci")
            .mayOnlyAccessLayers("root", "linux", "mem", "iommu")
            .whereLayer("nvme")
            .mayOnlyAccessLayers("root", "linux", "mem", "iommu", "pci")
            .whereLayer("edu")
            .mayOnlyAccessLayers("root", "linux", "mem", "iommu", "pci")
            .whereLayer("fake")
            .mayOnlyAccessLayers("root", "linux", "mem", "iommu", "pci", "nvme", "edu")
            .whereLayer("doctor")
            .mayOnlyAccessLayers("root", "linux", "mem", "iommu", "pci")
            .whereLayer("cli")
            .mayOnlyAccessLayers("root", "linux", "mem", "iommu", "pci", "nvme", "edu", "fake", "doctor")
            .because(
                    "DESIGN.md: each layer depends only on those below (linux -> mem -> iommu -> pci -> drivers (nvme, edu)"
                            + " -> fake -> cli)");

    /**
     * The NVMe specification layer ({@code org.dma4j.nvme.spec}) is shared by the driver and the
     * fake and used by people's own NVMe tools: it depends on nothing else of dma4j, the driver
     * included (it sits inside the nvme layer of {@link #NO_UPWARD_DEPENDENCIES}, so the fake may use it).
     */
    static final ArchRule NVME_SPEC_STANDS_ALONE = noClasses()
            .that()
            .resideInAPackage("org.dma4j.nvme.spec..")
            .should()
            .dependOnClassesThat(new DescribedPredicate<JavaClass>("are dma4j classes outside org.dma4j.nvme.spec") {
                @Override
                public boolean test(JavaClass c) {
                    return c.getPackageName().startsWith("org.dma4j")
                            && !c.getPackageName().startsWith("org.dma4j.nvme.spec");
                }
            })
            .because("the spec layer is written once, below the driver and the fake that both use it");

    /**
     * The restricted methods of the FFM API (those that warn, or fail under
     * {@code --illegal-native-access=deny}, without native access), as of JDK 25.
     */
    static final Map<String, Set<String>> RESTRICTED = Map.of(
            "java.lang.foreign.Linker", Set.of("downcallHandle", "upcallStub"),
            "java.lang.foreign.MemorySegment", Set.of("reinterpret"),
            "java.lang.foreign.AddressLayout", Set.of("withTargetLayout"),
            "java.lang.foreign.SymbolLookup", Set.of("libraryLookup"),
            "java.lang.System", Set.of("load", "loadLibrary"),
            "java.lang.Runtime", Set.of("load", "loadLibrary"),
            "java.lang.ModuleLayer$Controller", Set.of("enableNativeAccess"));

    static boolean isRestricted(AccessTarget target) {
        return RESTRICTED.getOrDefault(target.getOwner().getName(), Set.of()).contains(target.getName());
    }

    static final DescribedPredicate<JavaClass> SYSCALLS_OR_GENERATED =
            new DescribedPredicate<>("Syscalls or generated (org.dma4j.linux.gen)") {
                @Override
                public boolean test(JavaClass c) {
                    return inOrNestedIn(c, SYSCALLS) || c.getPackageName().startsWith("org.dma4j.linux.gen");
                }
            };

    static boolean inOrNestedIn(JavaClass c, String name) {
        return c.getName().equals(name) || c.getName().startsWith(name + "$");
    }

    /** Only Syscalls calls a restricted method itself (jextract's generated code aside). */
    static final ArchRule RESTRICTED_CALLS_ONLY_IN_SYSCALLS = noClasses()
            .that(not(SYSCALLS_OR_GENERATED))
            .should()
            .callMethodWhere(new DescribedPredicate<>("the method is restricted (" + RESTRICTED + ")") {
                @Override
                public boolean test(com.tngtech.archunit.core.domain.JavaMethodCall call) {
                    return isRestricted(call.getTarget());
                }
            })
            .because(
                    "Syscalls is the one class with restricted FFM calls (native access is granted to it alone in spirit)");

    /** Nobody but Syscalls links native code or looks symbols up. */
    static final ArchRule LINKER_ONLY_IN_SYSCALLS = noClasses()
            .that(not(SYSCALLS_OR_GENERATED))
            .should()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.lang.foreign.Linker")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.lang.foreign.Linker$Option")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.lang.foreign.SymbolLookup")
            .because("Syscalls binds every libc function dma4j calls");

    /**
     * Nobody but Syscalls reaches a restricted method through the generated code either: calling a
     * generated function wrapper ({@code libc_h.mmap(...)}, whose holder class makes a downcall handle)
     * or a struct's {@code reinterpret} helper counts. Followed: the generated code's calls and field
     * reads, and the static initialisers of the generated classes they touch. Not followed: the class
     * initialisation of jextract's {@code *_h$shared}, which builds {@code C_POINTER} with
     * {@code AddressLayout.withTargetLayout}; every use of a generated constant or layout runs it once.
     */
    static final ArchRule NO_RESTRICTED_CALLS_THROUGH_GENERATED_CODE =
            classes().that(not(SYSCALLS_OR_GENERATED)).should(new NoRestrictedCallsThroughGenerated());

    /** What {@link #NO_RESTRICTED_CALLS_THROUGH_GENERATED_CODE} checks. */
    static final class NoRestrictedCallsThroughGenerated extends ArchCondition<JavaClass> {
        private final Map<Object, Optional<String>> memo = new HashMap<>();

        NoRestrictedCallsThroughGenerated() {
            super("not call generated code that reaches a restricted method");
        }

        @Override
        public void check(JavaClass c, ConditionEvents events) {
            for (JavaAccess<?> access : c.getAccessesFromSelf()) {
                if (isGenerated(access.getTargetOwner())) {
                    reach(access.getTarget(), new HashSet<>())
                            .ifPresent(path -> events.add(SimpleConditionEvent.violated(
                                    access, access.getDescription() + " reaches " + path)));
                }
            }
        }

        private static boolean isGenerated(JavaClass c) {
            return c.getPackageName().startsWith("org.dma4j.linux.gen");
        }

        /** The restricted call {@code target} leads to, as "a -> b -> restricted", if any. */
        private Optional<String> reach(AccessTarget target, Set<Object> seen) {
            if (isRestricted(target)) {
                return Optional.of(target.getFullName());
            }
            if (!isGenerated(target.getOwner()) || !seen.add(target.getFullName())) {
                return Optional.empty();
            }
            Optional<String> known = memo.get(target.getFullName());
            if (known != null) {
                return known;
            }
            Optional<String> found = Optional.empty();
            Optional<? extends JavaMember> member = target.resolveMember();
            if (member.isPresent() && member.get() instanceof JavaCodeUnit code) {
                found = through(code, seen);
            }
            if (found.isEmpty()) {
                found = initialiser(target.getOwner(), seen);
            }
            Optional<String> result = found.map(p -> target.getFullName() + " -> " + p);
            if (result.isPresent()) { // a negative answer may come from a cycle cut short: not remembered
                memo.put(target.getFullName(), result);
            }
            return result;
        }

        private Optional<String> through(JavaCodeUnit code, Set<Object> seen) {
            for (JavaAccess<?> a : code.getAccessesFromSelf()) {
                Optional<String> r = reach(a.getTarget(), seen);
                if (r.isPresent()) {
                    return r;
                }
            }
            return Optional.empty();
        }

        /** The static initialiser of a generated class, except jextract's *_h$shared (see the rule). */
        private Optional<String> initialiser(JavaClass owner, Set<Object> seen) {
            if (owner.getSimpleName().endsWith("$shared") || !seen.add(owner)) {
                return Optional.empty();
            }
            return owner.getStaticInitializer()
                    .flatMap(init -> through(init, seen).map(p -> owner.getName() + ".<clinit> -> " + p));
        }
    }

    /**
     * Classes outside {@code org.dma4j.linux} that use the generated bindings today. The rule is
     * that only {@code linux} does; these are the violations as they stand (FIXME: give linux typed
     * wrappers for the constants, layouts and ioctl structs these use, then empty this list).
     */
    static final Set<String> GEN_USERS_TO_FIX = Set.of(
            "org.dma4j.mem.DmaBuffer", // libc_h MAP_*, PROT_*, MADV_DONTFORK, RLIMIT_MEMLOCK
            "org.dma4j.mem.Pagemap", // libc_h O_RDONLY
            "org.dma4j.iommu.VfioGroups", // libc_h O_RDWR; vfio_group_status, vfio_h
            "org.dma4j.iommu.VfioType1Space", // vfio_iommu_type1_* structs, vfio_iova_range, vfio_h
            "org.dma4j.iommu.IommufdSpace", // iommu_ioas_* structs, iommu_iova_range, iommufd_h; vfio_device_*_iommufd*
            "org.dma4j.iommu.NoIommuSpace", // vfio_h
            "org.dma4j.iommu.VfioContainer", // libc_h O_RDWR
            "org.dma4j.pci.VfioPciDevice", // vfio_device_info, vfio_irq_info, vfio_irq_set, vfio_h; libc_h mmap flags
            "org.dma4j.pci.VfioRegion", // vfio_region_info, vfio_region_info_cap_sparse_mmap,
            // vfio_region_sparse_mmap_area
            "org.dma4j.doctor.Doctor"); // libc_h O_*, MAP_*, PROT_*, RLIMIT_MEMLOCK; vfio_h

    static boolean isKnownGenUser(JavaClass c) {
        return GEN_USERS_TO_FIX.stream().anyMatch(name -> inOrNestedIn(c, name));
    }

    /** The generated bindings are used by org.dma4j.linux alone, apart from {@link #GEN_USERS_TO_FIX}. */
    static final ArchRule GENERATED_USED_ONLY_BY_LINUX = noClasses()
            .that()
            .resideOutsideOfPackage("org.dma4j.linux..")
            .and(not(new DescribedPredicate<JavaClass>("one of the known users to fix " + GEN_USERS_TO_FIX) {
                @Override
                public boolean test(JavaClass c) {
                    return isKnownGenUser(c);
                }
            }))
            .should()
            .dependOnClassesThat()
            .resideInAPackage(GEN)
            .because(
                    "jextract's output is linux's private detail (DESIGN.md); a new use outside linux needs a wrapper there");
}
