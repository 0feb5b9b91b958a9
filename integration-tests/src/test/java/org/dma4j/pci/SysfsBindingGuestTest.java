package org.dma4j.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.dma4j.hil.Guest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Real sysfs binding in the guest: the NVMe goes to the kernel's nvme driver and back to vfio-pci. */
@Tag("type1")
class SysfsBindingGuestTest {
    @Test
    void unbindToTheKernelDriverAndBindBack() {
        Guest.require("type1");
        PciSysfs sysfs = new PciSysfs();
        PciAddress nvme = PciAddress.parse(Guest.nvmeBdf());
        PciDeviceInfo info = sysfs.info(nvme);
        assertTrue(info.boundToVfio(), "the rig bound it: " + info);
        assertEquals("NVMe controller", info.className());
        try {
            assertEquals(Optional.of("nvme"), sysfs.unbind(nvme), "the kernel's own driver takes it back");
        } finally {
            sysfs.bindVfio(nvme);
        }
        assertTrue(sysfs.info(nvme).boundToVfio());
        sysfs.bindVfio(nvme); // already bound: nothing to do
    }

    @Test
    void dma4jListShowsTheNvmeAsUsable() throws Exception {
        Guest.require("type1");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var main = Class.forName("org.dma4j.cli.Main")
                .getDeclaredMethod("run", java.util.List.class, PrintStream.class, PrintStream.class);
        main.setAccessible(true);
        int code = (int) main.invoke(
                null,
                java.util.List.of("list"),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code);
        assertTrue(text.contains("* " + Guest.nvmeBdf() + "  1b36:0010  NVMe controller       vfio-pci"), text);
    }
}
