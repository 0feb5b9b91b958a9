package org.dma4j.iommu;

import static org.dma4j.linux.gen.libc.libc_h.O_RDWR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.Iova;
import org.dma4j.MemoryKind;
import org.dma4j.PageSize;
import org.dma4j.PhysAddr;
import org.dma4j.fake.FakeMemory;
import org.dma4j.linux.Fd;
import org.dma4j.mem.AddressResolver;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.mem.Hugepages;
import org.dma4j.mem.HugepagesUnavailableException;
import org.junit.jupiter.api.Test;

/**
 * The no-IOMMU space's own rules on the host, with simulated physical memory standing in for
 * pagemap (its VFIO descriptors are /dev/null: nothing here reaches the kernel's VFIO). The
 * memory is ordinary RAM declared as hugepage memory: the simulated pagemap does not care, and
 * the host need not reserve hugepages.
 */
class NoIommuSpaceTest {
    private static NoIommuSpace space(AddressResolver memory) {
        return new NoIommuSpace(Fd.open("/dev/null", O_RDWR()), Fd.open("/dev/null", O_RDWR()), 7, memory);
    }

    /** Resolves every page to the same frame, and counts the calls. */
    private static final class OneFrame implements AddressResolver {
        final List<MemorySegment> asked = new ArrayList<>();

        @Override
        public List<PhysAddr> resolvePages(MemorySegment range, PageSize pageSize) {
            asked.add(range);
            List<PhysAddr> out = new ArrayList<>();
            for (long off = 0; off < range.byteSize(); off += pageSize.bytes()) {
                out.add(new PhysAddr(0x1_0000_0000L + off));
            }
            return out;
        }
    }

    @Test
    void theIovaIsThePhysicalAddressAndMustBeContiguous() {
        FakeMemory scattered = new FakeMemory(true);
        try (DmaBuffer b = DmaBuffer.allocate(2 * 4096);
                NoIommuSpace s = space(scattered)) {
            var e = assertThrows(
                    DmaMapException.InvalidRequest.class,
                    () -> s.map(b.segment(), MemoryKind.HUGEPAGE_RAM, DmaDirection.TO_DEVICE, null));
            assertTrue(
                    e.getMessage()
                            .startsWith("no-IOMMU: the device sees physical addresses and these 8192 bytes are not"
                                    + " physically contiguous (page 1 breaks the run)"),
                    e.getMessage());
            try (DmaMapping one =
                    s.map(b.segment().asSlice(4096), MemoryKind.HUGEPAGE_RAM, DmaDirection.TO_DEVICE, null)) {
                assertEquals(
                        scattered.resolve(b.segment().asSlice(4096)).value(),
                        one.iova().value(),
                        "one page maps at its PA");
                var fixed = assertThrows(
                        DmaMapException.InvalidRequest.class,
                        () -> s.map(
                                b.segment().asSlice(0, 4096),
                                MemoryKind.HUGEPAGE_RAM,
                                DmaDirection.TO_DEVICE,
                                Iova.of(0x100000)));
                assertTrue(fixed.getMessage().contains("the IOVA is the physical address"), fixed.getMessage());
            }
        }
        FakeMemory contiguous = new FakeMemory(false);
        try (DmaBuffer b = DmaBuffer.allocate(4 * 4096);
                NoIommuSpace s = space(contiguous);
                DmaMapping m = s.map(b.segment(), MemoryKind.HUGEPAGE_RAM, DmaDirection.BIDIRECTIONAL, null)) {
            assertEquals(contiguous.resolve(b.segment()).value(), m.iova().value());
            assertEquals(java.util.List.of(7), s.groups());
        }
    }

    /** Issue 9 item 2: mlocked 4 KiB pages may still be migrated, so the device could write into someone else's page. */
    @Test
    void refusesOrdinaryRamAndSaysWhyAndWhatToUse() {
        FakeMemory memory = new FakeMemory(false);
        try (DmaBuffer b = DmaBuffer.allocate(4096);
                NoIommuSpace s = space(memory)) {
            var e = assertThrows(DmaMapException.InvalidRequest.class, () -> s.map(b, DmaDirection.BIDIRECTIONAL));
            assertTrue(e.getMessage().startsWith("no-IOMMU refuses 4 KiB RAM (0x"), e.getMessage());
            assertTrue(
                    e.getMessage().contains("the kernel may migrate even mlocked 4 KiB pages (compaction)"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("use hugepage memory: space.allocate(bytes)"), e.getMessage());
            assertThrows(
                    DmaMapException.InvalidRequest.class,
                    () -> s.map(b.segment(), MemoryKind.RAM, DmaDirection.BIDIRECTIONAL, null),
                    "a segment declared RAM too");
            try (DmaBuffer forIommu = DmaBuffer.allocateForIommu(4096)) {
                assertThrows(
                        DmaMapException.InvalidRequest.class,
                        () -> s.map(forIommu, DmaDirection.BIDIRECTIONAL),
                        "nor memory that waits for an IOMMU to pin it");
            }
            assertTrue(s.mappings().isEmpty());
            assertEquals(0, memory.pagesResolved(), "refused before resolving");
        }
    }

    /** Issue 9 item 8: the memory kind is checked before pagemap is asked (resolving a BAR used to write to it). */
    @Test
    void refusesMmioBeforeResolvingIt() {
        OneFrame resolver = new OneFrame();
        try (DmaBuffer ram = DmaBuffer.allocate(4096);
                NoIommuSpace s = space(resolver)) {
            DmaBuffer bar = DmaBuffer.ofMmio(ram.segment(), "a stand-in BAR");
            var e = assertThrows(
                    DmaMapException.Unsupported.class, () -> s.map(bar, DmaDirection.BIDIRECTIONAL, DmaAttr.MMIO));
            assertTrue(e.getMessage().startsWith("no-IOMMU cannot map MMIO (0x"), e.getMessage());
            assertEquals(List.of(), resolver.asked, "the BAR was never resolved");
        }
    }

    /**
     * Issue 9 item 9: live mappings are keyed by IOVA, which here is the physical address; a
     * second mapping of the same physical page used to overwrite the first one's entry.
     */
    @Test
    void onePhysicalRangeIsMappedOnceAtATime() {
        OneFrame resolver = new OneFrame(); // two different virtual pages, one frame: as two views of one page
        try (DmaBuffer a = DmaBuffer.allocate(4096);
                DmaBuffer b = DmaBuffer.allocate(2 * 4096);
                NoIommuSpace s = space(resolver)) {
            DmaMapping first = s.map(a.segment(), MemoryKind.HUGEPAGE_RAM, DmaDirection.TO_DEVICE, null);
            var e = assertThrows(
                    DmaMapException.IovaConflict.class,
                    () -> s.map(b.segment(), MemoryKind.HUGEPAGE_RAM, DmaDirection.FROM_DEVICE, null));
            assertEquals(
                    "noiommu: " + first.iova() + " +8192 overlaps " + first + "; no-IOMMU: the IOVA is the physical"
                            + " address, so memory can be mapped once at a time; use that mapping (or a slice of it) or unmap it first",
                    e.getMessage());
            assertEquals(List.of(first), s.mappings());
            assertTrue(first.isLive());
            s.unmap(first.iova(), 4096);
            assertFalse(first.isLive());
            assertTrue(s.mappings().isEmpty());
            try (DmaMapping again = s.map(b.segment(), MemoryKind.HUGEPAGE_RAM, DmaDirection.FROM_DEVICE, null)) {
                assertEquals(first.iova(), again.iova(), "free once the first is gone");
            }
        }
    }

    @Test
    void allocateNamesTheHugepagesToReserve() {
        try (NoIommuSpace s = space(new FakeMemory(false))) {
            // 1 TiB of hugepages: more than any machine running this has reserved.
            var e = assertThrows(HugepagesUnavailableException.class, () -> s.allocate(1L << 40));
            assertTrue(
                    e.getMessage()
                            .startsWith(
                                    "no-IOMMU DMA memory must be hugepages (the device sees physical addresses,"
                                            + " and only hugepages stay where they are): allocating 1024 GiB of 2 MiB hugepages failed: "),
                    e.getMessage());
            assertTrue(
                    e.getMessage()
                            .contains("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages (as root), or boot with"
                                    + " hugepagesz=2M hugepages="),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.allocate(0));
        }
    }

    @SuppressWarnings("try") // the hugepage reservation h is held for its scope
    @Test
    void allocateGivesOneContiguousHugepage() {
        try (Hugepages h = Hugepages.reserve(1);
                NoIommuSpace s = space(new FakeMemory(false));
                DmaBuffer b = s.allocate(5000)) {
            assertEquals(MemoryKind.HUGEPAGE_RAM, b.kind());
            assertEquals(DmaBuffer.Pinning.HUGETLB, b.pinning());
            assertEquals(2 << 20, b.byteSize(), "rounded up to one 2 MiB hugepage");
            try (DmaMapping m = s.map(b, DmaDirection.BIDIRECTIONAL)) {
                assertEquals(2 << 20, m.length());
            }
        }
    }

    @Test
    void memoryAboveTheDeviceMaskIsRefusedNamingMaskAndFix() {
        FakeMemory memory = new FakeMemory(false); // frames from physical 4 GiB up
        try (DmaBuffer b = DmaBuffer.allocate(4096);
                NoIommuSpace s = space(memory)) {
            s.setDmaMask("0000:00:05.0", DmaMask.bits(32));
            var e = assertThrows(
                    DmaMapException.AboveDmaMask.class,
                    () -> s.map(b.segment(), MemoryKind.HUGEPAGE_RAM, DmaDirection.TO_DEVICE, null));
            assertTrue(
                    e.getMessage()
                            .startsWith("no-IOMMU: the device sees physical addresses, and this memory is at physical"
                                    + " 0x100001000 +4096, above the 32-bit DMA mask 0xffffffff of 0000:00:05.0, which cannot reach it; use"
                                    + " memory below 0x100000000"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("or an IOMMU backend (type1, iommufd)"), e.getMessage());
            s.setDmaMask("0000:00:05.0", DmaMask.bits(33));
            try (DmaMapping m = s.map(b.segment(), MemoryKind.HUGEPAGE_RAM, DmaDirection.TO_DEVICE, null)) {
                assertEquals(0x1_0000_1000L, m.iova().value(), "under a 33-bit mask it maps at its physical address");
            }
        }
    }
}
