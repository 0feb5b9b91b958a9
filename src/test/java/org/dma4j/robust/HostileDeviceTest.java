package org.dma4j.robust;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hostile device data, property-based with seeded generators (the seed is printed; replay one
 * with -Ddma4j.hostile.seed=S, more cases with -Ddma4j.hostile.cases=N): the driver meets a
 * fake NVMe controller whose registers, Identify data and completion entries are wrong, and
 * only ever worked or refused with a Dma4jException, within a deadline. Each case that once
 * broke the driver is kept in {@link HostileDeviceRegressionTest}.
 */
class HostileDeviceTest {
    static final long SEED = Long.getLong("dma4j.hostile.seed", System.nanoTime());
    static final int CASES = Integer.getInteger("dma4j.hostile.cases", 300);

    @Test
    void theDriverSurvivesRandomHostileDevices() {
        System.out.println("HostileDeviceTest: seed " + SEED + ", " + CASES + " cases (replay: -Ddma4j.hostile.seed="
                + SEED + ")");
        int corruptions = 0;
        for (int i = 0; i < CASES; i++) {
            long seed = SEED + i;
            HostileDevice d = HostileDevice.generate(new Random(seed));
            corruptions += d.corruptions().size();
            check(d, "seed " + seed);
        }
        System.out.println(
                "HostileDeviceTest: " + CASES + " hostile devices, " + corruptions + " hostile values, all survived");
    }

    static void check(HostileDevice d, String name) {
        try {
            assertTimeoutPreemptively(
                    Duration.ofSeconds(20), d::run, name + ": the driver did not finish within 20 s on " + d);
        } catch (AssertionError e) {
            throw e;
        } catch (Throwable t) {
            fail(name + ": " + d.corruptions() + " broke the driver with " + t, t);
        }
    }

    static HostileDevice of(HostileDevice.Corruption... c) {
        return new HostileDevice(List.of(c));
    }
}
