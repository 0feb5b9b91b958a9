package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.dma4j.MemoryKind;
import org.dma4j.iommu.DmaAttr;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapException;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.Bar;
import org.dma4j.pci.PciDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Peer-to-peer DMA between an NVMe controller and another device's memory BAR (ivshmem's shared
 * memory, BAR2): the BAR is mapped into the NVMe controller's DMA space with {@link DmaAttr#MMIO},
 * the controller reads blocks into it and writes blocks from it, and the bytes are checked through
 * the BAR and in the file behind it. The same on the fake (FakeNvme and FakeIvshmem through the
 * fake IOMMU) and in the guest (QEMU's NVMe and ivshmem-plain through VFIO type1 and the emulated
 * Intel IOMMU). Each test leaves its bytes at its own offset of the BAR, so that the file can be
 * checked again after the guest has gone ({@link #expectInBackingFile}).
 */
public abstract class P2pContract {
    /** Where in the BAR each test puts its blocks: apart, so that all of them can be checked at the end. */
    protected static final long READ_OFFSET = 0x10000;

    protected static final long WRITE_OFFSET = 0x40000;
    /** 16 KiB: four pages of the BAR, so the controller walks a PRP list into it. */
    private static final int BYTES = 16 * 1024;

    protected PciDevice nvme;
    protected NvmeController ctrl;
    protected Namespace ns;
    protected PciDevice peer;

    /** Opens the NVMe controller under test on its DMA space (which {@link #closeDevice} closes). */
    protected abstract PciDevice openNvme();

    /** Opens the device whose memory BAR is the peer-to-peer target. */
    protected abstract PciDevice openPeer();

    /** Closes a device and, if it has its own, its DMA space. */
    protected abstract void closeDevice(PciDevice d);

    /** The file behind the peer's memory BAR (QEMU's memory-backend-file; FakeIvshmem.ofFile). */
    protected abstract Path backingFile();

    /** The peer's memory BAR: ivshmem's BAR2. */
    protected int peerMemoryBar() {
        return 2;
    }

    /**
     * Closes the peer while its BAR is still mapped in the NVMe space. A real backend undoes the
     * mapping and logs it; the fake undoes it and reports the driver bug, which it overrides this to expect.
     */
    protected void closePeerWhileMapped(PciDevice p) {
        closeDevice(p);
    }

    /** Called with what each test left in the BAR, for a check of the file after the guest has gone; nothing by default. */
    protected void expectInBackingFile(String test, long offset, byte[] bytes) {}

    @BeforeEach
    void open() {
        nvme = openNvme();
        ctrl = NvmeController.open(nvme);
        ns = ctrl.namespaces().get(0);
        peer = openPeer();
    }

    @AfterEach
    void close() {
        try {
            if (ctrl != null) {
                ctrl.close();
            }
        } finally {
            try {
                if (peer != null) {
                    closeDevice(peer);
                }
            } finally {
                if (nvme != null) {
                    closeDevice(nvme);
                }
            }
        }
    }

    private DmaSpace nvmeSpace() {
        return nvme.dmaSpace();
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** {@code n} bytes of the BAR from {@code offset}, read through the BAR mapping (dword loads). */
    private static byte[] readBar(Bar bar, long offset, int n) {
        ByteBuffer out = ByteBuffer.allocate(n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i += 4) {
            out.putInt(bar.read32(offset + i));
        }
        return out.array();
    }

    private static void writeBar(Bar bar, long offset, byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < bytes.length; i += 4) {
            bar.write32(offset + i, in.getInt(i));
        }
    }

    /** {@code n} bytes of the backing file from {@code offset}, by plain file I/O. */
    protected byte[] readBackingFile(long offset, int n) {
        try (FileChannel ch = FileChannel.open(backingFile(), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(n);
            while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                // read until full or end of file
            }
            return b.array();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code data} to the namespace at {@code lba} from RAM, through the controller. */
    private void writeBlocks(IoQueue q, long lba, byte[] data) {
        try (DmaBuffer ram = nvmeSpace().allocate(data.length);
                DmaMapping m = nvmeSpace().map(ram, DmaDirection.TO_DEVICE)) {
            ram.segment().copyFrom(MemorySegment.ofArray(data));
            q.write(ns, lba, data.length / ns.blockSize(), m, 0);
        }
    }

    private byte[] readBlocks(IoQueue q, long lba, int bytes) {
        try (DmaBuffer ram = nvmeSpace().allocate(bytes);
                DmaMapping m = nvmeSpace().map(ram, DmaDirection.FROM_DEVICE)) {
            q.read(ns, lba, bytes / ns.blockSize(), m, 0);
            return ram.segment().asSlice(0, bytes).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Test
    void nvmeReadsBlocksIntoThePeersBar() {
        DmaBuffer bar = peer.barMemory(peerMemoryBar());
        assertEquals(MemoryKind.MMIO, bar.kind());
        byte[] data = random(1, BYTES);
        long lba = 64;
        Bar regs = peer.bar(peerMemoryBar());
        writeBar(regs, READ_OFFSET, new byte[BYTES]); // zeroes first: nothing left from an earlier run can pass
        try (IoQueue q = ctrl.createIoQueue(16)) {
            writeBlocks(q, lba, data);
            try (DmaMapping m = nvmeSpace().map(bar, DmaDirection.FROM_DEVICE, DmaAttr.MMIO)) {
                assertEquals(MemoryKind.MMIO, m.kind());
                q.read(ns, lba, BYTES / ns.blockSize(), m, READ_OFFSET);
            }
        }
        assertArrayEquals(data, readBar(regs, READ_OFFSET, BYTES), "the blocks, read through the BAR");
        assertArrayEquals(data, readBackingFile(READ_OFFSET, BYTES), "the blocks, in the file behind the BAR");
        expectInBackingFile("nvmeReadsBlocksIntoThePeersBar", READ_OFFSET, data);
    }

    @Test
    void nvmeWritesBlocksFromThePeersBar() {
        DmaBuffer bar = peer.barMemory(peerMemoryBar());
        byte[] data = random(2, BYTES);
        long lba = 256;
        Bar regs = peer.bar(peerMemoryBar());
        writeBar(regs, WRITE_OFFSET, data);
        assertArrayEquals(data, readBackingFile(WRITE_OFFSET, BYTES), "the CPU's stores through the BAR, in the file");
        try (IoQueue q = ctrl.createIoQueue(16)) {
            writeBlocks(q, lba, new byte[BYTES]); // zeroes first: the blocks must come from the BAR
            try (DmaMapping m = nvmeSpace().map(bar, DmaDirection.TO_DEVICE, DmaAttr.MMIO)) {
                q.write(ns, lba, BYTES / ns.blockSize(), m, WRITE_OFFSET);
            }
            assertArrayEquals(data, readBlocks(q, lba, BYTES), "the blocks written from the BAR, read back into RAM");
        }
        expectInBackingFile("nvmeWritesBlocksFromThePeersBar", WRITE_OFFSET, data);
    }

    @Test
    void theBarIsRefusedWithoutTheMmioAttribute() {
        DmaBuffer bar = peer.barMemory(peerMemoryBar());
        var e = assertThrows(
                DmaMapException.InvalidRequest.class, () -> nvmeSpace().map(bar, DmaDirection.FROM_DEVICE));
        assertTrue(e.getMessage().contains("is device MMIO; map it with DmaAttr.MMIO"), e.getMessage());
        assertTrue(nvmeSpace().mappings().stream().noneMatch(m -> m.kind() == MemoryKind.MMIO), "nothing was mapped");
    }

    @Test
    void theBarIsOneBufferOfItsSize() {
        assertTrue(peer.barMemory(peerMemoryBar()) == peer.barMemory(peerMemoryBar()), "the same buffer each time");
        assertEquals(
                peer.bar(peerMemoryBar()).size(),
                peer.barMemory(peerMemoryBar()).byteSize());
    }

    @Test
    void closingThePeerUndoesItsMappingAndTheControllerGoesOn() {
        DmaBuffer bar = peer.barMemory(peerMemoryBar());
        DmaMapping m = nvmeSpace().map(bar, DmaDirection.BIDIRECTIONAL, DmaAttr.MMIO);
        assertTrue(m.isLive());
        PciDevice p = peer;
        peer = null;
        closePeerWhileMapped(p);
        assertFalse(m.isLive(), "closing the device unmapped its BAR from the NVMe space");
        assertFalse(bar.isOpen());
        assertTrue(
                nvmeSpace().mappings().stream().noneMatch(x -> x.kind() == MemoryKind.MMIO),
                nvmeSpace().mappings() + "");
        try (IoQueue q = ctrl.createIoQueue(16)) {
            var e = assertThrows(DmaMapException.InvalidRequest.class, () -> q.read(ns, 0, 1, m, 0));
            assertTrue(e.getMessage().contains("is unmapped"), e.getMessage());
            byte[] data = random(3, 4096);
            writeBlocks(q, 512, data);
            assertArrayEquals(data, readBlocks(q, 512, data.length), "NVMe I/O to RAM after the peer has gone");
        }
    }
}
