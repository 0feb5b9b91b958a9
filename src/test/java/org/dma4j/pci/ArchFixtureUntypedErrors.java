package org.dma4j.pci;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/** Throws what the library must not, for ErrorRulesTest; never run. */
public final class ArchFixtureUntypedErrors {
    private ArchFixtureUntypedErrors() {}

    static void outOfBounds(int bar) {
        throw new IndexOutOfBoundsException("BAR" + bar);
    }

    static void state() {
        throw new IllegalStateException("not ready");
    }

    static void io(IOException e) {
        throw new UncheckedIOException(e);
    }

    static int checked(int index) {
        return Objects.checkIndex(index, 6);
    }
}
