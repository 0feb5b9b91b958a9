package org.dma4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ABI conformance: a C program, compiled by gcc against the very kernel headers the bindings
 * were generated from, prints the size and offset of every struct and field in the generated
 * packages and the value of every generated constant; each must equal the Java side. The list
 * is read from the generated classes, so a new binding is checked without editing this test.
 * Hand-written replacements of dropped macros ({@link Ioc}, {@code MAP_FAILED}) are checked too.
 */
class AbiConformanceTest {
    private static final List<String> PACKAGES = List.of("vfio", "iommufd", "libc");

    /** One value to compare: a unique key, the C expression, and what Java says. */
    private record Expect(String key, String cExpression, long java, boolean javaIsInt) {
        boolean matches(long c) {
            return c == java || (javaIsInt && c == Integer.toUnsignedLong((int) java));
        }
    }

    @Test
    void generatedLayoutsAndConstantsMatchTheCCompiler(@TempDir Path dir) throws Exception {
        Path include = uapiInclude();
        String gcc = requireGcc();
        List<Expect> expects = new ArrayList<>();
        int structs = 0;
        int constants = 0;
        for (String pkg : PACKAGES) {
            for (Class<?> c : generatedClasses(pkg)) {
                if (c.getSimpleName().equals(pkg + "_h")) {
                    constants += constants(c, expects);
                } else if (c.getEnclosingClass() == null && !c.getName().contains("$")) {
                    structs++;
                    struct(c, expects);
                }
            }
        }
        handWritten(expects);
        Map<String, Long> c = compileAndRun(gcc, include, dir, expects);

        List<String> mismatches = new ArrayList<>();
        for (Expect e : expects) {
            Long v = c.get(e.key());
            if (v == null) {
                mismatches.add(e.key() + ": C printed nothing");
            } else if (!e.matches(v)) {
                mismatches.add(e.key() + ": C says " + v + ", Java says " + e.java());
            }
        }
        assertTrue(
                mismatches.isEmpty(),
                mismatches.size() + " ABI mismatches against " + include + ":\n  " + String.join("\n  ", mismatches));
        // The lists are read by reflection; make sure they were not silently empty.
        assertTrue(structs >= 30, "only " + structs + " structs found");
        assertTrue(constants >= 250, "only " + constants + " constants found");
        assertEquals(expects.size(), c.size(), "one C line per expectation");
    }

    /** Where the UAPI headers are: tools/test passes -Ddma4j.uapi.include from tools/uapi-headers. */
    private static Path uapiInclude() {
        String p = System.getProperty("dma4j.uapi.include", "");
        if (p.isBlank() || !Files.isRegularFile(Path.of(p, "linux", "iommufd.h"))) {
            missing("no kernel UAPI headers with linux/iommufd.h (dma4j.uapi.include='" + p
                    + "'); run tools/test, which fetches them with tools/uapi-headers");
        }
        return Path.of(p);
    }

    private static String requireGcc() throws Exception {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, "gcc"))) {
                return Path.of(d, "gcc").toString();
            }
        }
        missing("gcc is not installed; apt-get install gcc");
        return null;
    }

    /** In CI a missing prerequisite fails the build; on a user's machine the test skips with one line. */
    private static void missing(String why) {
        if ("true".equals(System.getenv("CI"))) {
            fail("ABI test cannot run in CI: " + why);
        }
        Assumptions.abort("ABI test skipped: " + why);
    }

    private static List<Class<?>> generatedClasses(String pkg) throws IOException, URISyntaxException {
        String path = "org/dma4j/linux/gen/" + pkg;
        Path dir = Path.of(
                AbiConformanceTest.class.getClassLoader().getResource(path).toURI());
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String n = f.getFileName().toString();
                if (n.endsWith(".class")) {
                    try {
                        out.add(Class.forName("org.dma4j.linux.gen." + pkg + "." + n.substring(0, n.length() - 6)));
                    } catch (ClassNotFoundException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return out;
    }

    private static int constants(Class<?> header, List<Expect> out) throws ReflectiveOperationException {
        int n = 0;
        for (Method m : header.getMethods()) {
            Class<?> t = m.getReturnType();
            if (Modifier.isStatic(m.getModifiers())
                    && m.getParameterCount() == 0
                    && !m.getName().contains("$")
                    && (t == int.class || t == long.class)) {
                long v = ((Number) m.invoke(null)).longValue();
                out.add(new Expect(
                        header.getSimpleName() + "." + m.getName(),
                        "(long long)(" + m.getName() + ")",
                        v,
                        t == int.class));
                n++;
            }
        }
        return n;
    }

    private static void struct(Class<?> c, List<Expect> out) throws ReflectiveOperationException {
        GroupLayout layout = (GroupLayout) c.getMethod("layout").invoke(null);
        String cType = "struct " + c.getSimpleName();
        out.add(new Expect("sizeof " + cType, "sizeof(" + cType + ")", layout.byteSize(), false));
        out.add(new Expect("alignof " + cType, "_Alignof(" + cType + ")", layout.byteAlignment(), false));
        fields(cType, layout, 0, out);
    }

    private static void fields(String cType, GroupLayout group, long base, List<Expect> out) {
        long offset = 0;
        for (MemoryLayout m : group.memberLayouts()) {
            long at = base + (group instanceof java.lang.foreign.StructLayout ? offset : 0);
            offset += m.byteSize();
            if (m instanceof PaddingLayout) {
                continue;
            }
            String name = m.name().orElse("");
            if (m instanceof GroupLayout g && (name.isEmpty() || name.startsWith("$anon$"))) {
                fields(cType, g, at, out); // anonymous struct/union: its members are the parent's in C
                continue;
            }
            String key = cType + "." + name;
            out.add(new Expect("offsetof " + key, "offsetof(" + cType + ", " + name + ")", at, false));
            boolean flexible = m instanceof SequenceLayout s && s.elementCount() == 0;
            if (!flexible) { // sizeof a flexible array member is not C
                out.add(new Expect("sizeof " + key, "sizeof(((" + cType + " *)0)->" + name + ")", m.byteSize(), false));
            }
        }
    }

    private static void handWritten(List<Expect> out) {
        out.add(new Expect("MAP_FAILED", "(long long)(intptr_t)MAP_FAILED", Syscalls.MAP_FAILED, false));
        out.add(new Expect("_IO", "(long long)_IO('N', 0x40)", Ioc.io('N', 0x40), false));
        out.add(new Expect("_IOR", "(long long)_IOR('T', 0x1B, int)", Ioc.ior('T', 0x1B, 4), false));
        out.add(new Expect("_IOW", "(long long)_IOW(';', 200, long long)", Ioc.iow(';', 200, 8), false));
        out.add(new Expect("_IOWR", "(long long)_IOWR('N', 0x41, char[72])", Ioc.iowr('N', 0x41, 72), false));
        for (Field f : Ioctls.class.getFields()) {
            try {
                IoctlRequest r = (IoctlRequest) f.get(null);
                out.add(new Expect("Ioctls." + r.name(), "(long long)(unsigned long)" + r.name(), r.number(), false));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static Map<String, Long> compileAndRun(String gcc, Path include, Path dir, List<Expect> expects)
            throws IOException, InterruptedException {
        Path headers = Path.of("native-headers").toAbsolutePath();
        StringBuilder src = new StringBuilder("""
                #include "libc.h"
                #include "vfio.h"
                #include "iommufd.h"
                #include <stddef.h>
                #include <stdint.h>
                #include <stdio.h>
                int main(void) {
                """);
        for (Expect e : expects) {
            src.append("    printf(\"%s\\t%lld\\n\", \"")
                    .append(e.key())
                    .append("\", (long long)(")
                    .append(e.cExpression())
                    .append("));\n");
        }
        src.append("    return 0;\n}\n");
        Path c = dir.resolve("abi.c");
        Path exe = dir.resolve("abi");
        Files.writeString(c, src);
        run(
                List.of(
                        gcc,
                        "-std=gnu11",
                        "-Wall",
                        "-Werror",
                        "-I",
                        headers.toString(),
                        "-I",
                        include.toString(),
                        "-I",
                        include.resolve("x86_64-linux-gnu").toString(),
                        "-o",
                        exe.toString(),
                        c.toString()),
                "compile " + c);
        String output = run(List.of(exe.toString()), "run " + exe);
        Map<String, Long> values = new HashMap<>();
        output.lines().forEach(l -> {
            String[] kv = l.split("\t");
            values.put(kv[0], Long.parseLong(kv[1]));
        });
        return values;
    }

    private static String run(List<String> cmd, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + what);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            fail("failed to " + what + " (exit " + p.exitValue() + "):\n" + text);
        }
        return text;
    }
}
