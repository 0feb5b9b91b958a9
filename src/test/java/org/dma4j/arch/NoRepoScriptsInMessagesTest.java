package org.dma4j.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 item 5: a library user has no checkout, so no message of the library points at the
 * repository's scripts ({@code tools/...}); it says what to do instead.
 */
class NoRepoScriptsInMessagesTest {
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");

    @Test
    void noStringLiteralOfTheLibraryNamesARepoScript() throws IOException {
        List<String> found;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java/org/dma4j"))) {
            found = files.filter(
                            p -> p.toString().endsWith(".java") && !p.toString().contains("/linux/gen/"))
                    .flatMap(NoRepoScriptsInMessagesTest::literals)
                    .filter(l -> l.contains("tools/"))
                    .toList();
        }
        assertEquals(List.of(), found);
    }

    private static Stream<String> literals(Path p) {
        try {
            Matcher m = STRING.matcher(Files.readString(p));
            return m.results().map(r -> p.getFileName() + ": " + r.group());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
