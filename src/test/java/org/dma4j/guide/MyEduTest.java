package org.dma4j.guide;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import org.dma4j.fake.DmaDebugFault;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.fake.edu.FakeEdu;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.IrqType;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.junit.jupiter.api.Test;

/** The guide's driver and fake, run: on its own model, and on the library's full fake edu. */
class MyEduTest {
    // guide:begin unit-test
    @Test
    void dmaRoundTripOnTheFake() {
        try (FakeDmaSpace space = FakeDmaSpace.open();
             FakePciDevice dev = new FakePciDevice(PciAddress.parse("0000:00:10.0"), space, new MyEduModel(),
                     0x1234, 0x11e8, 0x00ff00, 0x10, Map.of(IrqType.MSI, 1));
             MyEdu edu = new MyEdu(dev, IrqType.MSI);
             DmaBuffer mem = space.allocate(8192);
             DmaMapping out = space.map(mem, 0, 4096, DmaDirection.TO_DEVICE, null);
             DmaMapping in = space.map(mem, 4096, 4096, DmaDirection.FROM_DEVICE, null)) {
            assertTrue(edu.alive());
            out.memory().fill((byte) 0x42);
            edu.toDevice(out, 4095);
            edu.fromDevice(in, 4095);
            assertEquals(0x42, in.memory().get(ValueLayout.JAVA_BYTE, 4094));
            var bug = assertThrows(DmaDebugFault.class, () -> edu.fromDevice(out, 16)); // out is TO_DEVICE
            assertEquals(DmaDebugFault.Kind.WRITE_TO_READ_ONLY, bug.kind());
        }
    }
    // guide:end unit-test

    @Test
    void theGuidesDriverRunsOnTheLibrarysFakeEduPolledAndWithEachInterrupt() {
        for (IrqType kind : new IrqType[] {null, IrqType.MSI, IrqType.INTX}) {
            try (FakeDmaSpace space = FakeDmaSpace.open();
                 PciDevice dev = FakeEdu.device(PciAddress.parse("0000:00:10.0"), space, new FakeEdu());
                 MyEdu edu = new MyEdu(dev, kind);
                 DmaBuffer mem = space.allocate(8192);
                 DmaMapping m = space.map(mem, DmaDirection.BIDIRECTIONAL)) {
                byte[] data = new byte[4096];
                new java.util.Random(5).nextBytes(data);
                m.memory().copyFrom(MemorySegment.ofArray(data));
                edu.toDevice(m, 4095);
                m.memory().fill((byte) 0);
                edu.fromDevice(m, 4095);
                assertArrayEquals(java.util.Arrays.copyOf(data, 4095), m.memory().asSlice(0, 4095).toArray(ValueLayout.JAVA_BYTE), String.valueOf(kind));
                assertThrows(IllegalArgumentException.class, () -> edu.toDevice(m, 4096));
            }
        }
    }
}
