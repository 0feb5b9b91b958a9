package org.dma4j.hil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The rig by hand: {@code tools/hil --bind --shell} on a terminal (a tmux pane, driven by
 * {@code integration-tests/hil-shell-session}) binds the NVMe before the shell starts, so
 * {@code dma4j list} there shows it on vfio-pci; the shell says how to leave, and {@code exit}
 * powers the guest off. Boots one guest (about a minute); tagged like {@link GuestSuiteIT}, so only
 * failsafe runs it.
 */
@Tag(GuestSuiteIT.TAG)
class HilShellIT {
    @Test
    void shellModeBindsTheNvmeBeforeTheShell() throws Exception {
        Process p = new ProcessBuilder("integration-tests/hil-shell-session")
                .redirectErrorStream(true)
                .start();
        byte[] out = p.getInputStream().readAllBytes(); // the script ends itself: every wait in it has a deadline
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "hil-shell-session did not exit");
        String session = new String(out, StandardCharsets.UTF_8).replace("\r", "");
        assertEquals(0, p.exitValue(), session);
        assertTrue(session.contains("to leave: `exit` (powers the guest off) or Ctrl-A X (kills QEMU)"), session);
        assertTrue(
                Pattern.compile("bind-nvme: 0000:\\S+ -> vfio-pci \\(IOMMU group \\d+\\)")
                        .matcher(session)
                        .find(),
                session);
        assertTrue(
                Pattern.compile("\\* 0000:\\S+\\s+1b36:0010\\s+NVMe controller\\s+vfio-pci")
                        .matcher(session)
                        .find(),
                session);
        assertTrue(session.contains("1 usable with VFIO now (*)"), session);
        assertTrue(session.contains("hil-shell-session: tools/hil exit 0"), session);
    }
}
