package org.dma4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The README's troubleshooting table, run row by row: each command's exit code, and the exact
 * first line it prints on stderr (or, for exit 0, a line its output contains). The table is the
 * single copy, so the README cannot drift from what the CLI does.
 */
class MainBadInputTest {
    record Row(String command, int exit, String prints) {
        @Override
        public String toString() {
            return command;
        }
    }

    static List<Row> rows() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int from = readme.indexOf("<!-- cli-table -->"), to = readme.indexOf("<!-- /cli-table -->");
        assertTrue(from >= 0 && to > from, "README.md has no <!-- cli-table --> section");
        List<Row> rows = new ArrayList<>();
        for (String line : readme.substring(from, to).lines().toList()) {
            if (!line.startsWith("| `dma4j")) {
                continue;
            }
            List<String> cells = cells(line);
            assertEquals(3, cells.size(), line);
            rows.add(new Row(
                    unquote(cells.get(0)).substring("dma4j ".length()),
                    Integer.parseInt(cells.get(1)),
                    unquote(cells.get(2))));
        }
        return rows;
    }

    /** Splits a Markdown table row on unescaped pipes; {@code \|} is a pipe in a cell. */
    private static List<String> cells(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        for (int i = 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length() && line.charAt(i + 1) == '|') {
                cell.append('|');
                i++;
            } else if (c == '|') {
                cells.add(cell.toString().strip());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        return cells;
    }

    private static String unquote(String s) {
        if (s.startsWith("`` ") && s.endsWith(" ``")) {
            return s.substring(3, s.length() - 3);
        }
        assertTrue(s.startsWith("`") && s.endsWith("`"), s);
        return s.substring(1, s.length() - 1);
    }

    static Stream<Row> table() throws IOException {
        return rows().stream();
    }

    @ParameterizedTest(name = "dma4j {0}")
    @MethodSource("table")
    void everyRowOfTheReadmeTable(Row row) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int exit = Main.run(
                Arrays.asList(row.command().split(" ")),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String o = out.toString(StandardCharsets.UTF_8), e = err.toString(StandardCharsets.UTF_8);
        assertEquals(row.exit(), exit, "exit of dma4j " + row.command() + "\nstdout: " + o + "\nstderr: " + e);
        if (exit == 0) {
            assertTrue(
                    Stream.concat(o.lines(), e.lines()).anyMatch(row.prints()::equals), row.prints() + " in\n" + o + e);
        } else {
            assertEquals(row.prints(), e.lines().findFirst().orElse(""), e);
            assertFalse(e.contains("\tat "), "a stack trace:\n" + e);
            assertEquals(1, e.lines().count(), "one line:\n" + e);
        }
    }

    /** The issue's rows are all in the table. */
    @Test
    void theTableHasTheIssuesRows() throws IOException {
        List<String> commands = rows().stream().map(Row::command).toList();
        for (String c : List.of(
                "nvme perf --qd 0 --time 1e9",
                "nvme perf --qd -5",
                "nvme perf --qd 1024",
                "nvme perf --bs 0",
                "nvme perf --time -1",
                "nvme perf --time 0",
                "nvme perf --time NaN",
                "nvme perf --rw randrw --mix 150",
                "nvme perf --queues -1",
                "nvme perf --bs 134217728",
                "nvme read --lba 3000000000 --device fake-null",
                "nvme read --lba 010",
                "nvme read --lba 08",
                "nvme read --blocks 2147483647",
                "nvme read --ns 2",
                "nvme write --pattern 0x1FF",
                "nvme --help",
                "list --help",
                "doctor --help",
                "nvme bogus --device 0000:01:00.0",
                "nvme perf --queues 100",
                "nvme identify --iommu bogus",
                "nvme identify --iommu type1",
                "nvme identify --device fake --device fake-null",
                "nvme demo --device fake-null",
                "nvme write --lba 3")) {
            assertTrue(commands.contains(c), c + " is not in the README's table");
        }
    }
}
