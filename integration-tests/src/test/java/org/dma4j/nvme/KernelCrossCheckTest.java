package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.dma4j.hil.Guest;
import org.dma4j.iommu.Backend;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciSysfs;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * dma4j against the kernel's own nvme driver on the same controller: data written through
 * dma4j over VFIO reads back identically through the kernel's block device, and the other way
 * round; and dma4j's Identify agrees with what the kernel shows in sysfs.
 */
@Tag("type1")
class KernelCrossCheckTest {
    private static final long DMA4J_LBA = 1000;
    private static final long KERNEL_LBA = 2000;
    private static final int BLOCKS = 16;

    private interface WithDriver {
        void run(NvmeController ctrl, Namespace ns, IoQueue q, DmaBuffer buf, DmaMapping m);
    }

    private static void withDma4j(WithDriver body) {
        String bdf = Guest.nvmeBdf();
        // The device owns the type1 space it opens, and closes it after itself.
        try (VfioPciDevice dev = VfioPciDevice.open(PciAddress.parse(bdf), Backend.TYPE1);
                NvmeController ctrl = NvmeController.open(dev)) {
            Namespace ns = ctrl.namespaces().get(0);
            try (IoQueue q = ctrl.createIoQueue(8);
                    DmaBuffer buf = DmaBuffer.allocate((long) BLOCKS * ns.blockSize());
                    DmaMapping m = dev.dmaSpace().map(buf, DmaDirection.BIDIRECTIONAL)) {
                body.run(ctrl, ns, q, buf, m);
            }
        }
    }

    private static Path waitFor(Path p) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!Files.exists(p) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(p), p + " appeared after binding to nvme");
        return p;
    }

    private static String sysfs(Path p) throws IOException {
        return Files.readString(p).trim();
    }

    @Test
    void dataAndIdentityAgreeWithTheKernelDriver() throws Exception {
        Guest.require("type1");
        PciAddress nvme = PciAddress.parse(Guest.nvmeBdf());
        PciSysfs sysfs = new PciSysfs();
        byte[] ours = new byte[BLOCKS * 512 * 8];
        new Random(7).nextBytes(ours);
        int[] blockSize = new int[1];
        IdentifyController[] id = new IdentifyController[1];
        long[] nsBlocks = new long[1];
        withDma4j((ctrl, ns, q, buf, m) -> {
            blockSize[0] = ns.blockSize();
            id[0] = ctrl.identify();
            nsBlocks[0] = ns.blocks();
            buf.segment().copyFrom(MemorySegment.ofArray(ours).asSlice(0, buf.byteSize()));
            q.write(ns, DMA4J_LBA, BLOCKS, m, 0);
            q.flush(ns);
        });
        int bytes = BLOCKS * blockSize[0];
        byte[] theirs = new byte[bytes];
        new Random(8).nextBytes(theirs);
        try {
            assertEquals("nvme", sysfs.unbind(nvme).orElse("none"));
            Path ctrlDir = waitFor(Path.of("/sys/class/nvme/nvme0"));
            Path block = waitFor(Path.of("/dev/nvme0n1"));
            assertEquals(id[0].model(), sysfs(ctrlDir.resolve("model")));
            assertEquals(id[0].serial(), sysfs(ctrlDir.resolve("serial")));
            assertEquals(id[0].firmware(), sysfs(ctrlDir.resolve("firmware_rev")));
            assertEquals(blockSize[0], Integer.parseInt(sysfs(Path.of("/sys/block/nvme0n1/queue/logical_block_size"))));
            assertEquals(nsBlocks[0] * blockSize[0], Long.parseLong(sysfs(Path.of("/sys/block/nvme0n1/size"))) * 512);
            try (FileChannel ch = FileChannel.open(block, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer got = ByteBuffer.allocate(bytes);
                ch.read(got, DMA4J_LBA * blockSize[0]);
                assertArrayEquals(
                        java.util.Arrays.copyOf(ours, bytes), got.array(), "what dma4j wrote, the kernel reads");
                ch.write(ByteBuffer.wrap(theirs), KERNEL_LBA * blockSize[0]);
                ch.force(true);
            }
        } finally {
            sysfs.bindVfio(nvme);
        }
        withDma4j((ctrl, ns, q, buf, m) -> {
            q.read(ns, KERNEL_LBA, BLOCKS, m, 0);
            assertArrayEquals(
                    theirs,
                    buf.segment().asSlice(0, bytes).toArray(ValueLayout.JAVA_BYTE),
                    "what the kernel wrote, dma4j reads");
        });
    }
}
