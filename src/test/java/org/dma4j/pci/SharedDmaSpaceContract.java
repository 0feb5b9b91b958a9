package org.dma4j.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.mem.DmaBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several devices, one DMA space (issue 11 item 4): each device opens into a space the test
 * owns (type1: several groups in one container; iommufd: several devices on one IOAS; the fake:
 * several {@code FakePciDevice}s on one {@code FakeDmaSpace}); a mapping made once serves every
 * device; closing one device leaves the space, its mappings and the other devices working, and
 * no device closes the space. A subclass supplies the space, the devices and a way to make a
 * device write into memory by DMA.
 */
public abstract class SharedDmaSpaceContract {
    protected DmaSpace space;
    protected final List<PciDevice> devices = new ArrayList<>();
    private DmaBuffer buffer;
    private DmaMapping shared;

    /** A new space, owned by the test. */
    protected abstract DmaSpace openSpace();

    /** Opens two or more devices into {@code space}, which stays the test's. */
    protected abstract List<PciDevice> openDevices(DmaSpace space);

    /** Has {@code device} write {@code value} into the first 512 bytes of {@code target} by DMA. */
    protected abstract void dmaInto(PciDevice device, DmaMapping target, byte value);

    /** Closes {@code device} (and a driver of it first, if the subclass keeps one). */
    protected void closeDevice(PciDevice device) {
        device.close();
    }

    @BeforeEach
    void open() {
        space = openSpace();
        devices.addAll(openDevices(space));
        assertTrue(devices.size() >= 2, "the contract needs two devices, not " + devices.size());
        buffer = space.allocate(4096);
        shared = space.map(buffer, DmaDirection.FROM_DEVICE);
    }

    @AfterEach
    void close() {
        for (PciDevice d : devices.reversed()) {
            closeDevice(d);
        }
        if (shared != null) {
            shared.close();
        }
        if (buffer != null) {
            buffer.close();
        }
        if (space != null) {
            space.close();
        }
    }

    private byte first() {
        return buffer.segment().get(ValueLayout.JAVA_BYTE, 0);
    }

    @Test
    void everyDeviceUsesTheOneSpaceAndItsMappings() {
        byte value = 0x11;
        for (PciDevice d : devices) {
            assertSame(space, d.dmaSpace());
            dmaInto(d, shared, value);
            assertEquals(value, first(), d.address() + " wrote through the shared mapping");
            value++;
        }
    }

    @Test
    void closingOneDeviceLeavesTheSpaceAndTheOthersWorking() {
        PciDevice gone = devices.removeFirst();
        closeDevice(gone);
        assertTrue(shared.isLive(), "the space keeps its mappings");
        for (PciDevice d : devices) {
            d.configRead(0, 2); // still open
            dmaInto(d, shared, (byte) 0x5a);
            assertEquals((byte) 0x5a, first());
            try (DmaBuffer b = space.allocate(4096);
                    DmaMapping m = space.map(b, DmaDirection.FROM_DEVICE)) {
                dmaInto(d, m, (byte) 0x3c);
                assertEquals((byte) 0x3c, b.segment().get(ValueLayout.JAVA_BYTE, 0), "a new mapping after the close");
            }
        }
    }

    @Test
    void closingEveryDeviceLeavesTheSpaceToItsOwner() {
        while (!devices.isEmpty()) {
            closeDevice(devices.removeLast());
        }
        assertTrue(shared.isLive());
        try (DmaBuffer b = space.allocate(4096);
                DmaMapping m = space.map(b, DmaDirection.TO_DEVICE)) {
            assertTrue(m.isLive(), "the space maps after its devices are gone");
        }
    }
}
