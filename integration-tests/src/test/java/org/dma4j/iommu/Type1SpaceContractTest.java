package org.dma4j.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.dma4j.hil.Guest;
import org.dma4j.mem.DmaBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The DmaSpace contract on a real VFIO type1 container. */
@Tag("type1")
class Type1SpaceContractTest extends GuestDmaSpaceContract {
    @Override
    String variant() {
        return "type1";
    }

    @Override
    protected DmaSpace open() {
        Guest.require("type1");
        return VfioType1Space.open(DmaSpaces.group(Guest.nvmeBdf()));
    }

    @SuppressWarnings("try") // each mapping m is held for its scope
    @Test
    void eachMappingUsesOneOfTheKernelsEntries() {
        VfioType1Space t = (VfioType1Space) space;
        int before = t.mappingsLeft();
        try (DmaBuffer b = DmaBuffer.allocate(8192);
                DmaMapping m = space.map(b, DmaDirection.TO_DEVICE)) {
            assertEquals(before - 1, t.mappingsLeft());
        }
        assertEquals(before, t.mappingsLeft());
        assertTrue(before > 60000, "dma_entry_limit is 65535 by default: " + before);
    }

    /**
     * Issue 9 item 10: type1 charges what it pins to VmLck (mm->locked_vm); memory from
     * space.allocate is charged once, by the map, where mlocked memory is charged twice.
     */
    @SuppressWarnings("try") // each mapping m is held for its scope
    @Test
    void mappedMemoryIsChargedToMemlockOnce() {
        long before = lockedKb();
        try (DmaBuffer b = space.allocate(1 << 20)) {
            assertEquals(before, lockedKb(), "allocate locks nothing");
            try (DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
                assertEquals(before + 1024, lockedKb(), "the type1 pin is the one charge");
            }
            assertEquals(before, lockedKb(), "unmapping uncharges it");
        }
        try (DmaBuffer locked = DmaBuffer.allocate(1 << 20);
                DmaMapping m = space.map(locked, DmaDirection.BIDIRECTIONAL)) {
            assertEquals(before + 2048, lockedKb(), "mlock and the type1 pin both charge mlocked memory");
        }
    }

    /**
     * With a non-root memlock limit (no CAP_IPC_LOCK, RLIMIT_MEMLOCK 1 MiB) a child JVM maps
     * 768 KiB: more than half the limit, which only memory that is not mlocked as well allows.
     */
    @Test
    void aNonRootMemlockLimitMapsMoreThanHalfOfIt() throws Exception {
        Assumptions.assumeTrue(
                new File("/usr/bin/setpriv").canExecute() && new File("/usr/bin/prlimit").canExecute(),
                "needs setpriv and prlimit to drop CAP_IPC_LOCK and limit memlock for a child process");
        int group = DmaSpaces.group(Guest.nvmeBdf());
        space.close(); // the child opens the group: VFIO allows one owner at a time
        space = null;
        String cp = "target/test-classes:target/classes:"
                + Files.readString(Path.of("target/hil/classpath.txt")).trim();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        "/usr/bin/setpriv",
                        "--bounding-set=-ipc_lock",
                        "--inh-caps=-ipc_lock",
                        "--",
                        "/usr/bin/prlimit",
                        "--memlock=1048576:1048576",
                        "--",
                        java,
                        "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC",
                        "-Xmx128m",
                        "-XX:-UsePerfData",
                        "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        cp,
                        Type1MemlockProbe.class.getName(),
                        String.valueOf(group),
                        String.valueOf(768 << 10))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertTrue(
                out.contains("MLOCKED failed: pinning 786432 bytes for DMA failed"),
                "mlock + pin is twice the charge: " + out);
        assertTrue(out.contains("ALLOCATED mapped 786432"), out);
    }

    @Test
    void mapsADevicesBarAsMmioForPeerToPeer() {
        try (GuestNvme nvme = new GuestNvme(space)) {
            DmaBuffer bar = DmaBuffer.ofMmio(nvme.bar0().asSlice(0, 4096), "NVMe BAR0");
            assertThrows(
                    DmaMapException.InvalidRequest.class,
                    () -> space.map(bar, DmaDirection.BIDIRECTIONAL),
                    "MMIO without DmaAttr.MMIO");
            try (DmaMapping m = space.map(bar, DmaDirection.BIDIRECTIONAL, DmaAttr.MMIO)) {
                assertEquals(org.dma4j.MemoryKind.MMIO, m.kind());
                assertTrue(m.attrs().contains(DmaAttr.MMIO) && m.isLive());
            }
        }
    }

    @Test
    void autoSelectionPicksIommufdWhenTheCdevExistsAndANamedBackendWins() {
        String bdf = Guest.nvmeBdf();
        assertEquals(Backend.IOMMUFD, DmaSpaces.choose(bdf), "/dev/iommu and /dev/vfio/devices exist in this guest");
        space.close(); // VFIO lets one container have the group at a time
        space = null;
        try (DmaSpace named = DmaSpaces.open(Backend.TYPE1, bdf)) {
            assertEquals(Backend.TYPE1, named.backend());
        }
    }
}
