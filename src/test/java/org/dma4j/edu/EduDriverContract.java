package org.dma4j.edu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.dma4j.AlreadyClosedException;
import org.dma4j.Iova;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapException;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaMask;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.PciDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The edu driver's behaviour, asserted the same way on any {@link PciDevice}: the fake edu on
 * the host, and QEMU's edu over type1, iommufd and no-IOMMU in the guest, polled and with each
 * interrupt kind. DMA memory comes from the device's space ({@code allocate}), as a user's would.
 */
public abstract class EduDriverContract {
    protected PciDevice device;
    protected EduDevice edu;

    /** Opens the device under test (and its DMA space, which closeDevice closes). */
    protected abstract PciDevice openDevice();

    protected abstract void closeDevice(PciDevice d);

    /** How the driver completes operations in this run. */
    protected abstract EduDevice.Completion completion();

    /** The device's DMA mask (QEMU's dma_mask property of the edu under test). */
    protected DmaMask dmaMask() {
        return DmaMask.bits(EduRegs.DEFAULT_DMA_BITS);
    }

    @BeforeEach
    void open() {
        device = openDevice();
        edu = EduDevice.open(
                device, EduDevice.Options.defaults().with(completion()).with(dmaMask()));
    }

    @AfterEach
    void close() {
        try {
            if (edu != null) {
                edu.close();
            }
        } finally {
            if (device != null) {
                closeDevice(device);
            }
        }
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void identifiesAsVersionOneZero() {
        assertEquals(new EduDevice.Version(1, 0), edu.version());
        assertEquals(edu.version(), edu.identify());
    }

    @Test
    void livenessReadsBackInverted() {
        for (int v : new int[] {0, -1, 0x12345678, 0x80000000, new Random(1).nextInt()}) {
            edu.checkLiveness(v);
        }
    }

    @Test
    void factorialsWrapAt32Bits() {
        assertEquals(1, edu.factorial(0));
        assertEquals(1, edu.factorial(1));
        assertEquals(120, edu.factorial(5));
        assertEquals(479001600L, edu.factorial(12));
        assertEquals(6227020800L & 0xffffffffL, edu.factorial(13), "13! truncated to 32 bits, as edu computes it");
        assertEquals(0, edu.factorial(34), "34! is a multiple of 2^32");
    }

    @Test
    void dmaRoundTripThroughTheDeviceBuffer() {
        try (DmaBuffer mem = device.dmaSpace().allocate(8192);
                DmaMapping out = device.dmaSpace().map(mem, 0, 4096, DmaDirection.TO_DEVICE, null);
                DmaMapping in = device.dmaSpace().map(mem, 4096, 4096, DmaDirection.FROM_DEVICE, null)) {
            assertTrue(
                    dmaMask().covers(out.iova(), 4096) && dmaMask().covers(in.iova(), 4096),
                    "mapped under the device's mask: " + out + ", " + in);
            byte[] data = random(7, 4095); // all QEMU 7.2 lets a transfer reach (EduRegs.BUFFER_END)
            MemorySegment.copy(MemorySegment.ofArray(data), 0, out.memory(), 0, 4095);
            in.memory().fill((byte) 0x5a);
            edu.toDevice(out, 0, 0, 4095);
            edu.fromDevice(0, in, 0, 4095);
            assertArrayEquals(data, in.memory().asSlice(0, 4095).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(0x5a, in.memory().get(ValueLayout.JAVA_BYTE, 4095), "the byte after is untouched");
        }
    }

    @Test
    void dmaAtOffsetsMovesExactlyTheBytesAsked() {
        try (DmaBuffer mem = device.dmaSpace().allocate(8192);
                DmaMapping m = device.dmaSpace().map(mem, 0, 8192, DmaDirection.BIDIRECTIONAL, null)) {
            byte[] data = random(11, 1000);
            MemorySegment.copy(MemorySegment.ofArray(data), 0, m.memory(), 100, 1000);
            edu.toDevice(m, 100, 3000, 1000); // buffer bytes 3000..3999
            m.memory().asSlice(5000, 1200).fill((byte) 0x11);
            edu.fromDevice(3000, m, 5100, 1000);
            assertArrayEquals(data, m.memory().asSlice(5100, 1000).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(0x11, m.memory().get(ValueLayout.JAVA_BYTE, 5099), "the byte before is untouched");
            assertEquals(0x11, m.memory().get(ValueLayout.JAVA_BYTE, 6100), "the byte after is untouched");
        }
    }

    @Test
    @SuppressWarnings("try") // closes the mapping inside its try on purpose: the driver must refuse it then
    void requestsOutsideTheBufferOrMappingAreRefusedBeforeTheDeviceSeesThem() {
        try (DmaBuffer mem = device.dmaSpace().allocate(4096);
                DmaMapping m = device.dmaSpace().map(mem, 0, 4096, DmaDirection.BIDIRECTIONAL, null)) {
            var e = assertThrows(IllegalArgumentException.class, () -> edu.toDevice(m, 0, 4000, 200));
            assertTrue(e.getMessage().contains("200 bytes at offset 4000 do not fit"), e.getMessage());
            assertThrows(
                    IllegalArgumentException.class,
                    () -> edu.toDevice(m, 0, 0, 4096),
                    "a transfer reaching the buffer's last byte stops QEMU 7.2");
            assertThrows(IllegalArgumentException.class, () -> edu.fromDevice(1, m, 0, 4095));
            assertThrows(
                    IllegalArgumentException.class, () -> edu.toDevice(m, 0, 0, 0), "no empty transfer (QEMU stops)");
            assertThrows(IllegalArgumentException.class, () -> edu.fromDevice(-1, m, 0, 16));
            assertThrows(IllegalArgumentException.class, () -> edu.fromDevice(0, m, 4000, 200), "past the mapping");
            assertThrows(IllegalArgumentException.class, () -> edu.toDevice(m, -1, 0, 16));
        }
        try (DmaBuffer mem = device.dmaSpace().allocate(4096);
                DmaMapping ro = device.dmaSpace().map(mem, 0, 4096, DmaDirection.TO_DEVICE, null)) {
            var e = assertThrows(IllegalArgumentException.class, () -> edu.fromDevice(0, ro, 0, 16));
            assertTrue(e.getMessage().contains("a TO_DEVICE mapping; the device must write it"), e.getMessage());
            ro.close();
            assertThrows(IllegalArgumentException.class, () -> edu.toDevice(ro, 0, 0, 16), "an unmapped mapping");
        }
        edu.checkLiveness(0x600d); // the device is still fine
    }

    @Test
    void theSpaceHandsOutIovasUnderTheDeviceMaskOnly() {
        assertEquals(dmaMask(), device.dmaMask());
        assertTrue(device.dmaSpace().dmaMask().bits() <= dmaMask().bits());
        try (DmaBuffer mem = device.dmaSpace().allocate(4096)) {
            var e = assertThrows(
                    DmaMapException.AboveDmaMask.class,
                    () -> device.dmaSpace().mapAt(mem, Iova.of(dmaMask().mask() + 1), DmaDirection.BIDIRECTIONAL));
            assertTrue(e.getMessage().contains(dmaMask().toString()), e.getMessage());
        }
    }

    @Test
    void interruptRaisedThroughTheDeviceArrivesAndIsAcknowledged() {
        edu.raiseAndAcknowledge(0x10000);
        edu.raiseAndAcknowledge(0x2); // and again: an INTx left masked would not come twice
        assertEquals(6, edu.factorial(3), "factorial completion after raised interrupts");
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseThrows() {
        edu.close();
        edu.close();
        assertThrows(AlreadyClosedException.class, () -> edu.checkLiveness(1));
        assertThrows(AlreadyClosedException.class, () -> edu.factorial(1));
    }
}
