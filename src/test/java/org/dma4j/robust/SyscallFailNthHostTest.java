package org.dma4j.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.ErrnoException;
import org.dma4j.PageSize;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.linux.SyscallFaults;
import org.dma4j.linux.Syscalls;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.mem.Pagemap;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.NvmeController;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * fail_nth on the host: every system call that pinned memory, the page map and the NVMe driver
 * on the fake make fails once, and each time the error is typed and names the step, and no fd,
 * mapping, locked page or IOMMU mapping of the fake is left behind. (The fake's device side makes
 * no system calls; what it exercises is the driver's unwinding of its own queue memory.)
 */
class SyscallFailNthHostTest {
    private final FakeDmaSpace space = FakeDmaSpace.open();
    private final FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults());
    private final FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:04.0"), space, nvme);

    @AfterEach
    void close() {
        dev.close();
        space.close();
    }

    private List<String> leftovers() {
        List<String> out = new ArrayList<>();
        space.mappings().forEach(m -> out.add("DMA mapping " + m));
        nvme.bugs().forEach(b -> out.add(b.getMessage()));
        space.faults().forEach(f -> out.add(f.getMessage()));
        return out;
    }

    @Test
    void theSwitchFailsTheNthCallOfItsKindOnItsThreadOnly() throws Exception {
        try (SyscallFaults.Session s =
                SyscallFaults.failNth(2, FailNth.ENOMEM, java.util.Set.of(SyscallFaults.Kind.MMAP))) {
            DmaBuffer.allocateForIommu(4096).close(); // mmap 1 passes
            Thread other = Thread.ofPlatform()
                    .start(() -> DmaBuffer.allocateForIommu(4096).close());
            other.join(); // another thread's calls are not counted
            var e = assertThrows(ErrnoException.class, () -> DmaBuffer.allocateForIommu(4096));
            assertEquals(
                    "failed to map 4096 bytes of a 4 KiB page buffer for an IOMMU: Cannot allocate memory (ENOMEM)",
                    e.getMessage());
            assertEquals(SyscallFaults.Kind.MMAP, s.failed());
            assertEquals(2, s.calls());
            DmaBuffer.allocateForIommu(4096).close(); // only the nth
        }
        assertThrows(IllegalArgumentException.class, () -> SyscallFaults.failNth(0, FailNth.ENOMEM, SyscallFaults.ALL));
    }

    @Test
    void theSweepCatchesAnOperationThatLeaksWhenAStepFails() {
        AssertionError e = assertThrows(
                AssertionError.class,
                () -> FailNth.sweep(
                        "a leaky allocation",
                        SyscallFaults.ALL,
                        () -> {
                            java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
                            var m = Syscalls.mmap(
                                    4096,
                                    3,
                                    0x22,
                                    -1,
                                    0,
                                    arena,
                                    "a leaky page"); // PROT_READ|WRITE, MAP_PRIVATE|ANONYMOUS
                            Syscalls.madvise(
                                    m, 10, "MADV_DONTFORK"); // on failure the arena is never closed: the mapping leaks
                            arena.close();
                        },
                        List::of));
        assertTrue(e.getMessage().contains("mmapped"), e.getMessage());
    }

    @Test
    void mappedBytesFollowMmapAndMunmap() {
        long before = Syscalls.mappedBytes();
        DmaBuffer b = DmaBuffer.allocateForIommu(3 * 4096);
        assertEquals(before + 3 * 4096, Syscalls.mappedBytes());
        b.close();
        assertEquals(before, Syscalls.mappedBytes());
    }

    @Test
    void lockedBuffer() throws Exception {
        FailNth.sweep(
                "DmaBuffer.allocate (mlocked)",
                SyscallFaults.ALL,
                () -> DmaBuffer.allocate(3 * 4096).close(),
                this::leftovers);
    }

    @Test
    void iommuBuffer() throws Exception {
        FailNth.sweep(
                "DmaBuffer.allocateForIommu",
                SyscallFaults.ALL,
                () -> DmaBuffer.allocateForIommu(3 * 4096).close(),
                this::leftovers);
    }

    @Test
    void pagemap() throws Exception {
        FailNth.sweep(
                "Pagemap open and resolve",
                SyscallFaults.ALL,
                () -> {
                    try (DmaBuffer b = DmaBuffer.allocate(2 * 4096);
                            Pagemap p = Pagemap.open()) {
                        assertEquals(
                                2, p.resolvePages(b.segment(), PageSize.SIZE_4K).size());
                    }
                },
                this::leftovers);
    }

    @Test
    void mapAndUnmapOnTheFakeSpace() throws Exception {
        FailNth.sweep(
                "allocate, map and unmap on the fake DMA space",
                SyscallFaults.ALL,
                () -> {
                    try (DmaBuffer b = space.allocate(8192);
                            DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
                        assertTrue(m.iova().value() >= 0);
                    }
                },
                this::leftovers);
    }

    @Test
    void controllerBringUpAndClose() throws Exception {
        FailNth.sweep(
                "NVMe controller bring-up and close",
                SyscallFaults.ALL,
                () -> {
                    try (NvmeController c = NvmeController.open(dev, Duration.ofSeconds(5), 16, 2)) {
                        assertEquals(2, c.ioQueuesGranted());
                    }
                },
                this::leftovers);
    }

    @Test
    void controllerBringUpWithInterrupts() throws Exception {
        FailNth.sweep(
                "NVMe controller bring-up with MSI-X and close",
                SyscallFaults.ALL,
                () -> {
                    try (NvmeController c = NvmeController.openWithInterrupts(dev, Duration.ofSeconds(5), 16, 2)) {
                        assertTrue(c.usesInterrupts());
                    }
                },
                this::leftovers);
    }

    @Test
    void ioQueueCreationAndDeletion() throws Exception {
        try (NvmeController c = NvmeController.open(dev, Duration.ofSeconds(5), 16, 2)) {
            var ns = c.namespaces().get(0);
            int adminMappings = space.mappings().size();
            FailNth.sweep(
                    "I/O queue creation, a read, deletion",
                    SyscallFaults.ALL,
                    () -> {
                        try (IoQueue q = c.createIoQueue(8);
                                DmaBuffer b = space.allocate(4096);
                                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
                            q.read(ns, 0, 1, m, 0);
                        }
                    },
                    () -> {
                        List<String> out = new ArrayList<>(
                                nvme.bugs().stream().map(Throwable::getMessage).toList());
                        if (space.mappings().size() != adminMappings) { // the admin queues' stay
                            out.add(space.mappings().size() + " DMA mappings, not the admin queues' " + adminMappings);
                        }
                        return out;
                    });
            assertEquals(0, c.resets(), "a failed system call is no reason to reset the controller");
        }
    }
}
