package org.dma4j.edu;

import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.nvme.NvmeController;

/** Breaks the driver rule on purpose (the edu driver using the fake, and its sibling nvme) for LayerRulesTest; never run. */
public final class ArchFixtureDriverUsesFake {
    FakeDmaSpace upward;
    NvmeController sideways;
}
