package org.dma4j.robust;

import static org.dma4j.robust.HostileDeviceTest.check;
import static org.dma4j.robust.HostileDeviceTest.of;

import org.dma4j.robust.HostileDevice.IdentifyByte;
import org.junit.jupiter.api.Test;

/** Each hostile device that once broke the driver (found by {@link HostileDeviceTest}), by name. */
class HostileDeviceRegressionTest {
    @Test
    void namespaceSizeWithTheTopBitSetIsRefusedNotCountedNegative() { // seed 120: NSZE 0xd2...
        check(of(new IdentifyByte(0, 7, 0xd2)), "NSZE >= 2^63");
    }
}
