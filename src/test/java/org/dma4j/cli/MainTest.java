package org.dma4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.dma4j.doctor.Check;
import org.junit.jupiter.api.Test;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void doctorPrintsEveryCheck() {
        assertEquals(0, run("doctor"));
        for (String name : List.of("kernel", "iommu", "vfio-type1", "vfio-pci", "iommufd", "no-iommu", "memlock", "pagemap")) {
            assertTrue(Pattern.compile("\\[(OK|WARN|MISSING)\\]\\s+" + name + "\\s").matcher(out()).find(), name + " in\n" + out());
        }
        assertTrue(out().contains("checks OK"));
    }

    @Test
    void doctorJsonHasOneObjectPerCheck() {
        assertEquals(0, run("doctor", "--json"));
        String json = out().trim();
        assertTrue(json.startsWith("{\"checks\":[{") && json.endsWith("}]}"), json);
        long objects = Pattern.compile("\\{\"name\":").matcher(json).results().count();
        assertTrue(objects >= 10, json);
        assertTrue(json.contains("\"name\":\"pagemap\",\"status\":\""), json);
    }

    @Test
    void badInputGetsAUsageError() {
        assertEquals(2, run());
        assertTrue(err().contains("usage: dma4j"));
        assertEquals(2, run("frobnicate"));
        assertTrue(err().contains("unknown command 'frobnicate'; run `dma4j help`"), err());
        assertEquals(2, run("doctor", "--yaml"));
        assertTrue(err().contains("dma4j doctor: unknown option '--yaml'; usage: dma4j doctor [--json]"), err());
    }

    @Test
    void jsonEscapes() {
        assertEquals("\"a\\\"b\\\\c\\nd\\u0001\"", Json.string("a\"b\\c\nd\u0001"));
        String text = DoctorCommand.toText(List.of(new Check("x", Check.Status.WARN, "seen", "do this")));
        assertTrue(text.contains("[WARN]    x  seen") && text.contains("-> do this"), text);
    }
}
