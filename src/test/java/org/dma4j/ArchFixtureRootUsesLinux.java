package org.dma4j;

import org.dma4j.linux.Fd;

/** Breaks the layer rule on purpose (the root package using linux) for LayerRulesTest; never run. */
public final class ArchFixtureRootUsesLinux {
    Fd upward;
}
