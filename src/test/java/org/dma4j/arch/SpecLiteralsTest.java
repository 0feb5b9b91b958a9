package org.dma4j.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The NVMe specification is written once, in {@code org.dma4j.nvme.spec}: the driver
 * ({@code org.dma4j.nvme}) and the fake ({@code org.dma4j.fake}) name opcodes, status codes, CNS,
 * feature and log page identifiers, and entry and data structure offsets through it, never as bare
 * numbers. A source scan, since constants are inlined into the class files: a case label on a number,
 * a comparison with a one- or two-digit hex number, a memory access at a literal offset, a status
 * built from numbers, a field of the specification defined as a number. Not scanned: {@code NvmeRegs},
 * the register map, itself a specification table; {@code FakePciDevice}, the fake's PCI device, which
 * knows PCI and no NVMe; {@code FakeIvshmem}, another device with its own register map.
 */
class SpecLiteralsTest {
    record Rule(String name, Pattern pattern, String fix) {}

    static final List<Rule> RULES = List.of(
            new Rule(
                    "case label on a number",
                    Pattern.compile("\\bcase\\s+[-(]*(0x[0-9a-fA-F]+|\\d+)\\b"),
                    "switch on a spec enum (AdminOpcode.of, NvmOpcode.of, Cns.of, ...) or a named constant"),
            new Rule(
                    "comparison with a bare code",
                    Pattern.compile("[=!]=\\s*0x[0-9a-fA-F]{1,2}\\b"),
                    "compare with the spec enum's value() or a named constant"),
            new Rule(
                    "memory access at a literal offset",
                    Pattern.compile(
                            "\\.(get|set)(Acquire|Release|Volatile|Opaque)?\\(\\s*[\\w.]+\\s*,\\s*(\\w+\\s*\\+\\s*)?(0x[0-9a-fA-F]+|\\d+)L?\\s*[,)]"),
                    "read and write entries and data structures through the spec accessors (Sqe, Cqe, IdCtrl, IdNs, ...)"),
            new Rule(
                    "status built from numbers",
                    Pattern.compile(
                            "\\bsc\\(\\s*\\d|<<\\s*8\\s*\\|\\s*0x|\\b(return|yield)\\s+(0x[0-9a-fA-F]+|[1-9]\\d*)\\s*;"),
                    "use StatusCode.X.field() or withDnr()"),
            new Rule(
                    "spec value defined as a number",
                    Pattern.compile("static\\s+final\\s+int\\s+[^;(]*=\\s*0x[0-9a-fA-F]{1,2}\\s*[,;]"),
                    "take it from org.dma4j.nvme.spec"));

    static final Path MAIN = Path.of("src", "main", "java", "org", "dma4j");

    static final List<String> NOT_SCANNED = List.of("NvmeRegs.java", "FakePciDevice.java", "FakeIvshmem.java");

    /** The driver's and the fake's sources: org/dma4j/nvme (not nvme/spec) and org/dma4j/fake, but {@link #NOT_SCANNED}. */
    static List<Path> scanned() {
        List<Path> files = new ArrayList<>();
        for (String dir : List.of("nvme", "fake")) {
            try (Stream<Path> s = Files.list(MAIN.resolve(dir))) {
                s.filter(p -> p.toString().endsWith(".java")
                                && !NOT_SCANNED.contains(p.getFileName().toString()))
                        .sorted()
                        .forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    /** Code without comments (line comments, and javadoc or block comment lines). */
    static String code(String line) {
        String t = line.strip();
        if (t.startsWith("*") || t.startsWith("/*") || t.startsWith("//")) {
            return "";
        }
        int c = line.indexOf("//");
        return c >= 0 && !line.substring(0, c).contains("\"") ? line.substring(0, c) : line;
    }

    static List<String> violations(String file, List<String> lines) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String code = code(lines.get(i));
            for (Rule r : RULES) {
                if (r.pattern().matcher(code).find()) {
                    out.add(file + ":" + (i + 1) + ": " + r.name() + " (" + r.fix() + "): "
                            + lines.get(i).strip());
                }
            }
        }
        return out;
    }

    @Test
    void driverAndFakeNameTheSpecificationThroughItsLayer() throws IOException {
        List<Path> files = scanned();
        assertTrue(files.size() > 20, "the driver's and the fake's sources were found: " + files);
        List<String> found = new ArrayList<>();
        for (Path p : files) {
            found.addAll(violations(p.toString(), Files.readAllLines(p)));
        }
        assertEquals(List.of(), found, String.join("\n", found));
    }

    @Test
    void eachRuleCatchesWhatItIsAbout() {
        List<String> bad = List.of(
                "            case 0x06 -> identify(cdw10 & 0xff, nsid, prp1, prp2);",
                "        if (opc == 0x09) {",
                "        int cdw10 = e.get(ValueLayout.JAVA_INT, 40);",
                "        sq.set(ValueLayout.JAVA_LONG, at + 24, prp1);",
                "            return sc(1, 0x01);",
                "                return 2 << 8 | 0x82; // End-to-end Guard Check Error",
                "            return 0x81;",
                "    static final int DELETE_SQ = 0x00, CREATE_SQ = 0x01;");
        for (String line : bad) {
            assertEquals(1, violations("X.java", List.of(line)).size(), line);
        }
        assertFalse(violations(
                                "X.java",
                                List.of(
                                        "            case IDENTIFY -> identify(e);",
                                        "        return 0;",
                                        "        prp.set(ValueLayout.JAVA_LONG, list + i * 8, next + i * PAGE);",
                                        "    public static final int VENDOR = 0xfa4e;",
                                        "        // case 0x06 in a comment",
                                        "        int status = StatusCode.INVALID_FIELD.withDnr();"))
                        .size()
                > 0);
    }
}
