package org.dma4j.nvme.spec;

import org.dma4j.nvme.NvmeStatus;

/** Breaks a rule on purpose (the spec layer using the driver) for LayerRulesTest; never run. */
public final class ArchFixtureSpecUsesDriver {
    NvmeStatus upward;
}
