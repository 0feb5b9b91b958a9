package org.dma4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's library quick start, compiled and run: each {@code <!-- example: Name -->} java
 * block is compiled (warnings are errors) against the test class path, its {@code main} is run,
 * and what it prints must be the {@code <!-- output: Name -->} block below it.
 */
class ReadmeExamplesTest {
    /** The examples the quick start promises; a renamed or lost one fails here, not silently. */
    private static final List<String> EXPECTED = List.of("NvmeOnTheFake", "DmaForADevice");

    private static final Pattern EXAMPLE =
            Pattern.compile("<!-- example: (\\w+) -->\\s*```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern OUTPUT = Pattern.compile("<!-- output: (\\w+) -->\\s*```\\n(.*?)```", Pattern.DOTALL);

    private static Map<String, String> examples;
    private static Map<String, String> outputs;
    private static Path dir;
    private static URLClassLoader loader;

    @BeforeAll
    static void compile() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        examples = blocks(EXAMPLE, readme);
        outputs = blocks(OUTPUT, readme);
        assertEquals(EXPECTED, List.copyOf(examples.keySet()), "the README's examples");
        assertEquals(EXPECTED, List.copyOf(outputs.keySet()), "the README's example outputs");

        dir = Files.createTempDirectory("dma4j-readme");
        Path out = Files.createDirectories(dir.resolve("classes"));
        List<String> args = new ArrayList<>(List.of(
                "-Xlint:all", "-Werror", "-d", out.toString(), "-classpath", System.getProperty("java.class.path")));
        for (var e : examples.entrySet()) {
            Path src = dir.resolve(e.getKey() + ".java");
            Files.writeString(src, e.getValue());
            args.add(src.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no system Java compiler (a JRE, not a JDK?)");
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
        assertEquals(0, rc, "the README's examples do not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8));
        loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, ReadmeExamplesTest.class.getClassLoader());
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (loader != null) {
            loader.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    void nvmeOnTheFakeRunsAndPrintsWhatTheReadmeSays() throws Exception {
        assertRunsAsDocumented("NvmeOnTheFake");
    }

    @Test
    void dmaForADeviceRunsAndPrintsWhatTheReadmeSays() throws Exception {
        assertRunsAsDocumented("DmaForADevice");
    }

    private static void assertRunsAsDocumented(String name) throws Exception {
        Method main = loader.loadClass(name).getMethod("main", String[].class);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        synchronized (ReadmeExamplesTest.class) {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            try {
                main.invoke(null, (Object) new String[0]);
            } finally {
                System.setOut(stdout);
            }
        }
        assertEquals(
                outputs.get(name),
                printed.toString(StandardCharsets.UTF_8),
                "README example " + name + " printed something else than its output block says");
        assertTrue(outputs.get(name).endsWith("\n"));
    }

    /** Name -> text of each marked block, in README order. */
    private static Map<String, String> blocks(Pattern p, String readme) {
        Map<String, String> found = new LinkedHashMap<>();
        Matcher m = p.matcher(readme);
        while (m.find()) {
            assertEquals(null, found.put(m.group(1), m.group(2)), "two README blocks named " + m.group(1));
        }
        return found;
    }
}
