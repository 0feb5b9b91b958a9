package org.dma4j.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.AlreadyClosedException;
import org.dma4j.MemoryKind;
import org.dma4j.PageSize;
import org.junit.jupiter.api.Test;

class DmaBufferTest {
    @Test
    void lockedRamIsPageAlignedZeroedAndRoundedUp() throws Exception {
        try (DmaBuffer b = DmaBuffer.allocate(5000)) {
            assertEquals(8192, b.byteSize(), "rounded up to whole 4 KiB pages");
            assertEquals(0, b.segment().address() % 4096);
            assertEquals(MemoryKind.RAM, b.kind());
            assertEquals(PageSize.SIZE_4K, b.pageSize());
            for (long i = 0; i < b.byteSize(); i += 512) {
                assertEquals(0, b.segment().get(ValueLayout.JAVA_BYTE, i));
            }
            long locked = Long.parseLong(Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("VmLck:"))
                    .findFirst()
                    .orElseThrow()
                    .replaceAll("\\D", ""));
            assertTrue(locked >= 8, "the pages are locked: VmLck " + locked + " kB");
        }
    }

    /** Issue 9 item 10: memory an IOMMU will pin is resident but not mlocked, so RLIMIT_MEMLOCK is charged once. */
    @Test
    void memoryForAnIommuIsPresentButNotLocked() throws Exception {
        long before = lockedKb();
        try (DmaBuffer b = DmaBuffer.allocateForIommu(1 << 20)) {
            assertEquals(before, lockedKb(), "not counted in VmLck");
            assertEquals(DmaBuffer.Pinning.IOMMU, b.pinning());
            assertEquals(MemoryKind.RAM, b.kind());
            assertEquals(1 << 20, b.byteSize());
            assertEquals(0, b.segment().get(ValueLayout.JAVA_BYTE, (1 << 20) - 1));
            assertTrue(b.toString().contains("4 KiB pages pinned by the IOMMU"), b.toString());
            if (PagemapTest.root()) {
                try (Pagemap p = Pagemap.open()) {
                    // present without a touch: MAP_POPULATE faulted every page in, with frames of its own
                    assertEquals(256, new java.util.HashSet<>(p.resolvePages(b.segment(), PageSize.SIZE_4K)).size());
                }
            }
        }
        try (DmaBuffer locked = DmaBuffer.allocate(1 << 20)) {
            assertEquals(DmaBuffer.Pinning.MLOCK, locked.pinning());
            assertTrue(lockedKb() >= before + 1024, "DmaBuffer.allocate still mlocks");
        }
        assertThrows(IllegalArgumentException.class, () -> DmaBuffer.allocateForIommu(0));
    }

    static long lockedKb() throws java.io.IOException {
        return Long.parseLong(Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("VmLck:"))
                .findFirst()
                .orElseThrow()
                .replaceAll("\\D", ""));
    }

    @Test
    void badSizesAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> DmaBuffer.allocate(0));
        assertEquals("a DMA buffer needs a positive size, not 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DmaBuffer.allocate(-4096));
    }

    @Test
    void closeRunsHooksOnceAndUseAfterCloseThrows() {
        DmaBuffer b = DmaBuffer.allocate(4096);
        List<String> ran = new ArrayList<>();
        b.onClose(() -> ran.add("first"));
        Runnable remove = b.onClose(() -> ran.add("removed"));
        b.onClose(() -> ran.add("second"));
        remove.run();
        b.close();
        b.close();
        assertEquals(List.of("first", "second"), ran);
        assertFalse(b.isOpen());
        var e = assertThrows(AlreadyClosedException.class, b::segment);
        assertTrue(e.getMessage().endsWith("closed] is already closed"), e.getMessage());
        assertThrows(AlreadyClosedException.class, () -> b.onClose(() -> {}));
    }

    @Test
    void aFailingHookStillFreesTheBuffer() {
        DmaBuffer b = DmaBuffer.allocate(4096);
        b.onClose(() -> {
            throw new IllegalStateException("hook failed");
        });
        assertThrows(IllegalStateException.class, b::close);
        assertFalse(b.isOpen());
    }

    @SuppressWarnings("try") // the hugepage reservation h is held for its scope
    @Test
    void hugepagesWhenReserved() {
        try (Hugepages h = Hugepages.reserve(2);
                DmaBuffer b = DmaBuffer.allocate(3 << 20, PageSize.SIZE_2M)) {
            assertEquals(4L << 20, b.byteSize(), "rounded up to whole 2 MiB pages");
            assertEquals(MemoryKind.HUGEPAGE_RAM, b.kind());
            assertEquals(0, b.segment().address() % (2 << 20), "2 MiB aligned");
            try (Pagemap p = Pagemap.open()) {
                var pages = p.resolvePages(b.segment(), PageSize.SIZE_2M);
                assertEquals(2, pages.size());
                assertTrue(
                        p.isContiguous(b.segment().asSlice(0, 2 << 20), PageSize.SIZE_4K),
                        "one hugepage is physically contiguous");
                assertEquals(0, pages.get(0).value() % (2 << 20), "and 2 MiB aligned physically");
            }
        }
    }

    @Test
    void noFreeHugepagesIsATypedErrorWithTheFix() {
        // No 1 GiB pages are reserved on our machines (they can only be reserved at boot).
        var e = assertThrows(HugepagesUnavailableException.class, () -> DmaBuffer.allocate(1 << 20, PageSize.SIZE_1G));
        assertTrue(e.getMessage().startsWith("allocating 1 GiB of 1 GiB hugepages failed: "), e.getMessage());
        assertTrue(
                e.getMessage()
                        .matches(
                                ".*reserve 1 more with: echo \\d+ > /sys/kernel/mm/hugepages/hugepages-1048576kB/"
                                        + "nr_hugepages \\(as root\\), or boot with hugepagesz=1G hugepages=\\d+ on the kernel command line"),
                e.getMessage());
        try (DmaBuffer fallback = DmaBuffer.allocatePreferring(1 << 20, PageSize.SIZE_1G)) {
            assertEquals(MemoryKind.RAM, fallback.kind(), "falls back to locked 4 KiB pages");
            assertEquals(1 << 20, fallback.byteSize());
        }
    }
}
