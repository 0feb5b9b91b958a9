package org.dma4j.pci;

import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;

/** Calls restricted methods outside Syscalls on purpose, for LayerRulesTest; never run. */
public final class ArchFixtureReinterpret {
    static MemorySegment widen(long address) {
        return MemorySegment.ofAddress(address).reinterpret(4096);
    }

    static Linker linker() {
        return Linker.nativeLinker();
    }
}
