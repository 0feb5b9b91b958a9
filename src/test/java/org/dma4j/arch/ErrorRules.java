package org.dma4j.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Set;
import org.dma4j.Dma4jException;

/**
 * The README's promise about errors, as ArchUnit rules over the library's classes (the command
 * line, which turns errors into exit codes, and jextract's output aside): every failure is a
 * {@link Dma4jException}; only an argument that is wrong in itself may be an
 * {@link IllegalArgumentException} (or a {@link NullPointerException} for a null). {@link ErrorRulesTest}
 * checks them, and that each catches a fixture that breaks it.
 */
final class ErrorRules {
    private ErrorRules() {}

    /** The exceptions the library may make besides the Dma4jException family. */
    static final Set<Class<?>> ARGUMENT_ERRORS = Set.of(IllegalArgumentException.class, NullPointerException.class);

    static final String[] NOT_LIBRARY = {"org.dma4j.cli..", "org.dma4j.linux.gen.."};

    /**
     * Made without being an error of dma4j's: {@code java.lang.Throwable} itself, which records where a
     * mapping was made (for the leak report; never thrown), and {@code MatchException}, which javac
     * generates for an exhaustive switch meeting a case that cannot happen.
     */
    static final Set<Class<?>> NOT_FAILURES = Set.of(Throwable.class, MatchException.class);

    /**
     * Constructing any other Throwable (to throw it) is what the rule forbids; an exception class's
     * constructor calling its superclass's is no new exception.
     */
    static final ArchRule ONLY_DMA4J_EXCEPTIONS_CONSTRUCTED = noClasses()
            .that()
            .resideOutsideOfPackages(NOT_LIBRARY)
            .should()
            .callConstructorWhere(
                    new DescribedPredicate<JavaConstructorCall>(
                            "the constructor makes a Throwable that is no Dma4jException, IllegalArgumentException or NullPointerException") {
                        @Override
                        public boolean test(JavaConstructorCall call) {
                            var owner = call.getTargetOwner();
                            boolean superCall = call.getOrigin().isConstructor()
                                    && call.getOriginOwner().isAssignableTo(Throwable.class);
                            return owner.isAssignableTo(Throwable.class)
                                    && !superCall
                                    && !owner.isAssignableTo(Dma4jException.class)
                                    && ARGUMENT_ERRORS.stream().noneMatch(owner::isEquivalentTo)
                                    && NOT_FAILURES.stream().noneMatch(owner::isEquivalentTo);
                        }
                    })
            .because(
                    "the README says every failure is a Dma4jException (argument errors: IllegalArgumentException or NullPointerException)");

    /** The JDK's index checks throw IndexOutOfBoundsException: a library check throws OutOfRangeException instead. */
    static final ArchRule NO_JDK_INDEX_CHECKS = noClasses()
            .that()
            .resideOutsideOfPackages(NOT_LIBRARY)
            .should()
            .callMethodWhere(
                    new DescribedPredicate<JavaMethodCall>(
                            "the method is one of Objects.checkIndex/checkFromIndexSize/checkFromToIndex") {
                        @Override
                        public boolean test(JavaMethodCall call) {
                            return call.getTargetOwner().isEquivalentTo(java.util.Objects.class)
                                    && call.getName().startsWith("check");
                        }
                    })
            .because("they throw IndexOutOfBoundsException; dma4j's range errors are org.dma4j.OutOfRangeException");
}
