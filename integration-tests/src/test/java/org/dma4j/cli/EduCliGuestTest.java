package org.dma4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.dma4j.hil.Guest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code dma4j edu selftest} on QEMU's edu: a rig checked in one command, on each backend of the guest. */
@Tag("type1")
@Tag("iommufd")
@Tag("noiommu")
class EduCliGuestTest {
    @Test
    void selftestPassesOnQemusEdu() {
        String variant = System.getProperty("dma4j.hil.variant", "");
        Guest.require(variant.isEmpty() ? "type1" : variant);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> args = List.of(
                "edu",
                "selftest",
                "--device",
                Guest.eduBdfs().get(0),
                "--iommu",
                variant,
                "--dma-mask",
                variant.equals("noiommu") ? "0xffffffff" : "0xfffffff");
        int rc = Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String o = out.toString(StandardCharsets.UTF_8);
        System.out.print(o);
        assertEquals(0, rc, o + err.toString(StandardCharsets.UTF_8));
        assertTrue(
                o.contains(
                        "identify       ok      edu 1.0 at " + Guest.eduBdfs().get(0) + " (" + variant),
                o);
        assertTrue(o.contains("interrupt MSI  ok"), o);
        assertTrue(o.contains("interrupt INTX ok"), o);
        assertTrue(o.endsWith("selftest: all checks passed\n"), o);
    }
}
