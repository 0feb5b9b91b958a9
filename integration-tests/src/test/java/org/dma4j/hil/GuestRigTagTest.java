package org.dma4j.hil;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * On the host: every guest variant's tests carry a tag that surefire excludes (else they run on the
 * host and skip, and nobody notices a variant missing from the list), and GuestSuiteIT (which boots QEMU) carries a tag that surefire excludes, so a
 * {@code -Dtest} pattern that happens to match it ({@code -Dtest='*Suite*'}) runs no guest.
 */
class GuestRigTagTest {
    @Test
    void guestSuiteCarriesATagThatSurefireExcludes() {
        String excluded = System.getProperty("dma4j.surefire.excludedGroups");
        assertNotNull(excluded, "run by surefire, which passes its excludedGroups as dma4j.surefire.excludedGroups");
        List<String> excludedTags =
                Arrays.stream(excluded.split(",")).map(String::strip).toList();
        Tag tag = GuestSuiteIT.class.getAnnotation(Tag.class);
        assertNotNull(tag, "GuestSuiteIT has no @Tag; surefire would run it for a matching -Dtest");
        assertTrue(
                excludedTags.contains(tag.value()),
                "GuestSuiteIT's tag '" + tag.value() + "' is not in surefire's excludedGroups " + excludedTags);
    }

    @Test
    void everyGuestVariantTagIsExcludedOnTheHost() throws IOException {
        List<String> excludedTags = Arrays.stream(
                        System.getProperty("dma4j.surefire.excludedGroups", "").split(","))
                .map(String::strip)
                .toList();
        Pattern tag = Pattern.compile("@Tag\\(\"([^\"]+)\"\\)");
        List<String> missing = new ArrayList<>();
        int tagged = 0;
        try (Stream<Path> files = Files.walk(Path.of("integration-tests", "src", "test", "java"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = tag.matcher(Files.readString(p));
                while (m.find()) {
                    tagged++;
                    if (!excludedTags.contains(m.group(1))) {
                        missing.add(p.getFileName() + ": @Tag(\"" + m.group(1) + "\")");
                    }
                }
            }
        }
        assertTrue(tagged > 10, "the integration tests' sources were found (" + tagged + " tags)");
        assertTrue(missing.isEmpty(), "guest tags missing from dma4j.guestTags in pom.xml: " + missing);
    }
}
