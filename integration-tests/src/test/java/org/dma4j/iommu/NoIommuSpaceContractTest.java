package org.dma4j.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dma4j.MemoryKind;
import org.dma4j.PageSize;
import org.dma4j.hil.Guest;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.mem.Pagemap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The DmaSpace contract in VFIO's no-IOMMU mode: IOVA = physical address. */
@Tag("noiommu")
class NoIommuSpaceContractTest extends GuestDmaSpaceContract {
    @Override
    String variant() {
        return "noiommu";
    }

    @Override
    protected DmaSpace open() {
        Guest.require("noiommu");
        return NoIommuSpace.open(DmaSpaces.group(Guest.nvmeBdf()));
    }

    @Override
    protected void assertAllocatedForThisBackend(DmaBuffer b) {
        assertEquals(MemoryKind.HUGEPAGE_RAM, b.kind());
        assertEquals(DmaBuffer.Pinning.HUGETLB, b.pinning());
        assertEquals(0, b.byteSize() % (2 << 20), "whole 2 MiB hugepages: " + b);
    }

    @Override
    protected boolean choosesIovas() {
        return false;
    }

    @Test
    void theIovaIsThePhysicalAddress() {
        try (DmaBuffer b = space.allocate(4096);
                Pagemap p = Pagemap.open();
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            assertEquals(p.resolve(b.segment()).value(), m.iova().value());
            assertEquals(Backend.NOIOMMU, DmaSpaces.choose(Guest.nvmeBdf()));
        }
    }

    @Test
    void aHugepageMapsAsOneRun() {
        try (DmaBuffer b = space.allocate(2 << 20);
                Pagemap p = Pagemap.open();
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            assertEquals(2 << 20, m.length());
            assertTrue(p.isContiguous(b.segment(), PageSize.SIZE_4K));
            assertEquals(p.resolve(b.segment()).value(), m.iova().value());
        }
    }

    /** tools/hil --no-iommu reserves hugepages at boot: all no-IOMMU DMA memory is hugepages. */
    @Test
    void theGuestReservedHugepagesAtBoot() throws Exception {
        String cmdline = Files.readString(Path.of("/proc/cmdline"));
        assertTrue(cmdline.contains(" hugepages="), cmdline);
        long total = Long.parseLong(Files.readString(Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"))
                .trim());
        assertTrue(total >= 128, total + " hugepages reserved");
    }

    /** Locked 4 KiB pages can be migrated under the device: refused, with what to use instead. */
    @Test
    void ordinaryRamIsRefused() {
        try (DmaBuffer b = DmaBuffer.allocate(4096)) {
            var e = assertThrows(DmaMapException.InvalidRequest.class, () -> space.map(b, DmaDirection.BIDIRECTIONAL));
            assertTrue(e.getMessage().startsWith("no-IOMMU refuses 4 KiB RAM"), e.getMessage());
            assertTrue(space.mappings().isEmpty());
        }
    }

    /** The kind is checked before pagemap is read: a BAR is refused, and never written. */
    @Test
    void aBarIsRefusedUntouched() {
        try (GuestNvme nvme = new GuestNvme(space)) {
            MemorySegment regs = nvme.bar0().asSlice(0, 4096);
            long cap = regs.get(ValueLayout.JAVA_LONG, 0);
            var e = assertThrows(
                    DmaMapException.InvalidRequest.class,
                    () -> space.map(DmaBuffer.ofMmio(regs, "NVMe BAR0"), DmaDirection.BIDIRECTIONAL, DmaAttr.MMIO));
            assertTrue(e.getMessage().startsWith("no-IOMMU cannot map MMIO"), e.getMessage());
            assertEquals(cap, regs.get(ValueLayout.JAVA_LONG, 0));
        }
    }
}
