package org.dma4j.nvme;

import org.dma4j.doctor.Doctor;
import org.dma4j.linux.gen.libc.libc_h;

/** Breaks two rules on purpose (a driver using doctor, and linux.gen) for LayerRulesTest; never run. */
public final class ArchFixtureDriverUsesDoctor {
    Doctor sideways;

    int generated() {
        return libc_h.O_RDWR();
    }
}
