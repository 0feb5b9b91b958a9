package org.dma4j.guide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/writing-a-driver.md quotes its Java verbatim from compiled, tested sources: each
 * {@code <!-- snippet: FILE#REGION -->} block must equal the lines between
 * {@code // guide:begin REGION} and {@code // guide:end REGION} in FILE (indentation removed),
 * every region of the guide's sources must be quoted, and every {@code $ dma4j ...} command the
 * guide shows must be one the CLI has.
 */
class WritingADriverGuideTest {
    private static final Path GUIDE = Path.of("docs/writing-a-driver.md");
    private static final Pattern SNIPPET = Pattern.compile("<!-- snippet: ([^#]+)#([\\w-]+) -->\\n```java\\n(.*?)```",
            Pattern.DOTALL);
    private static final Pattern BEGIN = Pattern.compile("^\\s*// guide:begin ([\\w-]+)$");

    /** The lines of {@code file} between its markers for {@code region}, with their common indentation removed. */
    static String region(Path file, String region) throws IOException {
        List<String> lines = Files.readAllLines(file);
        int begin = lines.stream().map(String::strip).toList().indexOf("// guide:begin " + region);
        int end = lines.stream().map(String::strip).toList().indexOf("// guide:end " + region);
        assertTrue(begin >= 0 && end > begin, file + " has no region " + region);
        List<String> body = lines.subList(begin + 1, end);
        int indent = body.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min()
                .orElse(0);
        StringBuilder out = new StringBuilder();
        for (String l : body) {
            out.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        return out.toString();
    }

    @Test
    void everySnippetIsItsSourceVerbatimAndEveryRegionIsQuoted() throws IOException {
        String guide = Files.readString(GUIDE, StandardCharsets.UTF_8);
        Set<String> quoted = new LinkedHashSet<>();
        Matcher m = SNIPPET.matcher(guide);
        while (m.find()) {
            Path file = Path.of(m.group(1));
            assertEquals(region(file, m.group(2)), m.group(3), "the guide's snippet " + m.group(1) + "#" + m.group(2)
                    + " differs from its source; copy the region into the guide again");
            quoted.add(m.group(1) + "#" + m.group(2));
        }
        assertEquals(8, quoted.size(), "snippets in the guide: " + quoted);
        assertEquals(quoted.size(), countJavaBlocks(guide),
                "a java block in the guide without a snippet marker (every Java snippet must be compiled)");
        Set<String> regions = new LinkedHashSet<>();
        try (Stream<Path> files = Files.list(Path.of("src/test/java/org/dma4j/guide"))) {
            for (Path f : files.sorted().toList()) {
                for (String l : Files.readAllLines(f)) {
                    Matcher b = BEGIN.matcher(l);
                    if (b.matches()) {
                        regions.add(f + "#" + b.group(1));
                    }
                }
            }
        }
        for (String r : regions) {
            assertTrue(quoted.contains(r), r + " is marked for the guide but the guide does not quote it");
        }
    }

    private static long countJavaBlocks(String guide) {
        return Pattern.compile("```java\\n").matcher(guide).results().count();
    }

    @Test
    void everyDma4jCommandInTheGuideExists() throws Exception {
        String guide = Files.readString(GUIDE, StandardCharsets.UTF_8);
        List<String> commands = guide.lines().filter(l -> l.startsWith("$ dma4j ")).toList();
        assertEquals(4, commands.size(), commands.toString());
        Method run = Class.forName("org.dma4j.cli.Main").getDeclaredMethod("run", List.class, PrintStream.class,
                PrintStream.class);
        run.setAccessible(true);
        for (String c : commands) {
            List<String> args = new ArrayList<>(Arrays.asList(c.substring("$ dma4j ".length()).split(" ")));
            args.add("--help"); // parsed as the user types it, run as help: nothing opens a device here
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc = (int) run.invoke(null, args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, rc, c + ": " + err.toString(StandardCharsets.UTF_8));
            assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: dma4j "), c);
        }
    }
}
