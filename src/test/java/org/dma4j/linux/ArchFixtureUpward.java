package org.dma4j.linux;

import org.dma4j.pci.PciAddress;

/** Breaks the layer rule on purpose (linux using pci) for LayerRulesTest; never run. */
public final class ArchFixtureUpward {
    PciAddress upward;
}
