package org.dma4j.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.dma4j.nvme.P2pContract;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.PciSetupException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peer-to-peer on the fake: the fake NVMe controller DMAs into and out of a fake ivshmem's BAR2
 * (backed by a file, as QEMU's memory-backend-file) through the fake IOMMU, each device on its
 * own fake DMA space.
 */
class FakeP2pTest extends P2pContract {
    @TempDir
    Path dir;

    @Override
    protected PciDevice openNvme() {
        return FakeNvme.device(
                PciAddress.parse("0000:00:04.0"), FakeDmaSpace.open(), new FakeNvme(FakeNvme.Config.defaults()));
    }

    @Override
    protected PciDevice openPeer() {
        return FakeIvshmem.device(
                PciAddress.parse("0000:00:05.0"), FakeDmaSpace.open(), FakeIvshmem.ofFile(backingFile(), 1 << 20));
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }

    @Override
    protected Path backingFile() {
        return dir.resolve("ivshmem.bin");
    }

    /** The fake undoes the mapping and reports the driver bug: the BAR went while the NVMe space still mapped it. */
    @Override
    protected void closePeerWhileMapped(PciDevice p) {
        DmaDebugFault f = assertThrows(DmaDebugFault.class, p::close);
        assertEquals(DmaDebugFault.Kind.BUFFER_CLOSED_WHILE_MAPPED, f.kind());
        assertTrue(f.getMessage().contains("[MMIO]"), f.getMessage());
        closePeerAfterFault(p);
    }

    /** After the fault: the peer's own space closes with it. */
    protected void closePeerAfterFault(PciDevice p) {
        p.dmaSpace().close();
    }

    @Test
    void aRegisterBarIsNoDmaTarget() {
        var e = assertThrows(PciSetupException.class, () -> peer.barMemory(FakeIvshmem.REGISTERS_BAR));
        assertTrue(e.getMessage().contains("BAR0 of 0000:00:05.0 is registers, not memory"), e.getMessage());
    }
}
