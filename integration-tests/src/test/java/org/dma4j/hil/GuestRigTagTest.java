package org.dma4j.hil;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * On the host: GuestSuiteIT (which boots QEMU) carries a tag that surefire excludes, so a
 * {@code -Dtest} pattern that happens to match it ({@code -Dtest='*Suite*'}) runs no guest.
 */
class GuestRigTagTest {
    @Test
    void guestSuiteCarriesATagThatSurefireExcludes() {
        String excluded = System.getProperty("dma4j.surefire.excludedGroups");
        assertNotNull(excluded, "run by surefire, which passes its excludedGroups as dma4j.surefire.excludedGroups");
        List<String> excludedTags = Arrays.stream(excluded.split(",")).map(String::strip).toList();
        Tag tag = GuestSuiteIT.class.getAnnotation(Tag.class);
        assertNotNull(tag, "GuestSuiteIT has no @Tag; surefire would run it for a matching -Dtest");
        assertTrue(excludedTags.contains(tag.value()),
                "GuestSuiteIT's tag '" + tag.value() + "' is not in surefire's excludedGroups " + excludedTags);
    }
}
