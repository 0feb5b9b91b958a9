package org.dma4j.edu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.dma4j.MemoryKind;
import org.dma4j.iommu.DmaAttr;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapException;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaMask;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.Bar;
import org.dma4j.pci.PciDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Peer-to-peer DMA between edu's DMA engine and another device's memory BAR (ivshmem's BAR2),
 * mapped into edu's DMA space with {@link DmaAttr#MMIO} under edu's 28-bit DMA mask: edu copies
 * from the BAR through its buffer into RAM, and from RAM through its buffer into the BAR; the
 * bytes are checked in RAM, through the BAR and in the file behind it. edu is opened first, so
 * that its mask is set before the BAR is mapped. On the fake (FakeEdu, FakeIvshmem) and in the
 * p2p guest over type1.
 */
public abstract class EduP2pContract {
    /** Where in the BAR these tests put their bytes: apart from the NVMe tests' (P2pContract). */
    protected static final long FROM_BAR_OFFSET = 0x80000;

    protected static final long INTO_BAR_OFFSET = 0x81000;
    /** Whole dwords (the BAR is read and written by dword) below QEMU 7.2's 4095-byte transfer limit. */
    private static final int BYTES = 4092;

    private static final int MEMORY_BAR = 2;

    protected PciDevice eduDevice;
    protected EduDevice edu;
    protected PciDevice peer;

    /** Opens edu on its DMA space (which {@link #closeDevice} closes). */
    protected abstract PciDevice openEdu();

    /** Opens the device whose memory BAR is the target (its memory decoding on). */
    protected abstract PciDevice openPeer();

    /** Closes a device and, if it has its own, its DMA space. */
    protected abstract void closeDevice(PciDevice d);

    /** The file behind the peer's memory BAR. */
    protected abstract Path backingFile();

    /** Called with what a test left in the BAR, for a check of the file after the guest has gone; nothing by default. */
    protected void expectInBackingFile(String test, long offset, byte[] bytes) {}

    @BeforeEach
    void open() {
        eduDevice = openEdu();
        edu = EduDevice.open(eduDevice, EduDevice.Options.defaults());
        peer = openPeer();
    }

    @AfterEach
    void close() {
        try {
            if (edu != null) {
                edu.close();
            }
        } finally {
            try {
                if (peer != null) {
                    closeDevice(peer);
                }
            } finally {
                if (eduDevice != null) {
                    closeDevice(eduDevice);
                }
            }
        }
    }

    private DmaSpace space() {
        return eduDevice.dmaSpace();
    }

    private static byte[] random(long seed) {
        byte[] b = new byte[BYTES];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void writeBar(Bar bar, long offset, byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < bytes.length; i += 4) {
            bar.write32(offset + i, in.getInt(i));
        }
    }

    private static byte[] readBar(Bar bar, long offset, int n) {
        ByteBuffer out = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i += 4) {
            out.putInt(bar.read32(offset + i));
        }
        return out.array();
    }

    private byte[] readBackingFile(long offset, int n) {
        try (FileChannel ch = FileChannel.open(backingFile(), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(n);
            while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                // until full or end of file
            }
            return b.array();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The BAR mapped into edu's space: MMIO, under edu's mask. The caller closes it. */
    private DmaMapping mapBar(DmaDirection direction) {
        DmaBuffer bar = peer.barMemory(MEMORY_BAR);
        DmaMapping m = space().map(bar, direction, DmaAttr.MMIO);
        assertEquals(MemoryKind.MMIO, m.kind());
        DmaMask mask = edu.options().dmaMask();
        assertTrue(mask.covers(m.iova(), m.length()), m + " under " + mask);
        return m;
    }

    @Test
    void eduCopiesFromTheBarIntoRam() {
        byte[] data = random(11);
        writeBar(peer.bar(MEMORY_BAR), FROM_BAR_OFFSET, data);
        try (DmaBuffer ram = space().allocate(BYTES);
                DmaMapping r = space().map(ram, DmaDirection.FROM_DEVICE);
                DmaMapping b = mapBar(DmaDirection.TO_DEVICE)) {
            edu.toDevice(b, FROM_BAR_OFFSET, 0, BYTES);
            edu.fromDevice(0, r, 0, BYTES);
            assertArrayEquals(
                    data, ram.segment().asSlice(0, BYTES).toArray(ValueLayout.JAVA_BYTE), "BAR -> edu -> RAM");
        }
        assertArrayEquals(data, readBackingFile(FROM_BAR_OFFSET, BYTES), "the source bytes, in the file");
        expectInBackingFile("eduCopiesFromTheBarIntoRam", FROM_BAR_OFFSET, data);
    }

    @Test
    void eduCopiesFromRamIntoTheBar() {
        byte[] data = random(12);
        writeBar(peer.bar(MEMORY_BAR), INTO_BAR_OFFSET, new byte[BYTES]); // zeroes: nothing left from a run passes
        try (DmaBuffer ram = space().allocate(BYTES);
                DmaMapping r = space().map(ram, DmaDirection.TO_DEVICE);
                DmaMapping b = mapBar(DmaDirection.FROM_DEVICE)) {
            ram.segment().asSlice(0, BYTES).copyFrom(MemorySegment.ofArray(data));
            edu.toDevice(r, 0, 0, BYTES);
            edu.fromDevice(0, b, INTO_BAR_OFFSET, BYTES);
        }
        assertArrayEquals(data, readBar(peer.bar(MEMORY_BAR), INTO_BAR_OFFSET, BYTES), "RAM -> edu -> BAR, in the BAR");
        assertArrayEquals(data, readBackingFile(INTO_BAR_OFFSET, BYTES), "RAM -> edu -> BAR, in the file");
        expectInBackingFile("eduCopiesFromRamIntoTheBar", INTO_BAR_OFFSET, data);
    }

    @Test
    void theBarIsRefusedWithoutTheMmioAttribute() {
        DmaBuffer bar = peer.barMemory(MEMORY_BAR);
        var e = assertThrows(DmaMapException.InvalidRequest.class, () -> space().map(bar, DmaDirection.TO_DEVICE));
        assertTrue(e.getMessage().contains("is device MMIO; map it with DmaAttr.MMIO"), e.getMessage());
        assertTrue(space().mappings().stream().noneMatch(m -> m.kind() == MemoryKind.MMIO), "nothing was mapped");
    }
}
