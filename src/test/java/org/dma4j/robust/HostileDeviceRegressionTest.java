package org.dma4j.robust;

import static org.dma4j.robust.HostileDeviceTest.check;
import static org.dma4j.robust.HostileDeviceTest.of;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.nvme.NvmeController;
import org.dma4j.nvme.NvmeException;
import org.dma4j.pci.PciAddress;
import org.dma4j.robust.HostileDevice.IdentifyByte;
import org.dma4j.robust.HostileDevice.Register;
import org.junit.jupiter.api.Test;

/** Each hostile device that once broke the driver (found by {@link HostileDeviceTest}), by name. */
class HostileDeviceRegressionTest {
    @Test
    void namespaceSizeWithTheTopBitSetIsRefusedNotCountedNegative() { // seed 120: NSZE 0xd2...
        check(of(new IdentifyByte(0, 7, 0xd2)), "NSZE >= 2^63");
    }

    @Test
    void capMqesZeroIsRefusedByName() { // queues of one entry: no command identifier could ever be free
        check(of(new Register(0x00, 0 | 1 << 16 | 2 << 24)), "CAP.MQES 0");
        refusedAtBringUp(new Register(0x00, 0 | 1 << 16 | 2 << 24), "CAP.MQES 0");
    }

    /** Bring-up on a device with {@code c} fails at once with an NvmeException whose message contains {@code words}. */
    private static void refusedAtBringUp(HostileDevice.Corruption c, String words) {
        FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults());
        try (FakeDmaSpace space = FakeDmaSpace.open();
                FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:04.0"), space, nvme)) {
            c.apply(nvme);
            long t0 = System.nanoTime();
            NvmeException e =
                    assertThrows(NvmeException.class, () -> NvmeController.open(dev, Duration.ofSeconds(5), 8, 2));
            assertTrue(e.getMessage().contains(words), e.getMessage());
            assertTrue(System.nanoTime() - t0 < 500_000_000L, "refused at once, not after a wait");
            assertEquals(List.of(), space.mappings());
        }
    }

    @Test
    void aDoorbellStrideBeyondBar0IsRefusedNotAnOutOfBoundsAccess() { // CAP.DSTRD 15: doorbells 128 KiB apart
        check(of(new Register(0x04, 15 | 1 << 5 | 4 << 20)), "CAP.DSTRD 15");
    }

    @Test
    void cstsAllOnesIsADeviceThatIsGoneNotAWaitForCapTo() {
        check(of(new Register(0x1c, -1)), "CSTS 0xffffffff");
        refusedAtBringUp(new Register(0x1c, -1), "the device is gone: CSTS reads all ones");
    }

    @Test
    void anMdtsThatOverflowsIsNoLimitNotAZeroByteTransfer() { // seed 1129: MDTS 0x7f, 4096 << 127 wrapped to 0
        check(of(new IdentifyByte(1, 77, 0x7f)), "MDTS 127");
    }
}
