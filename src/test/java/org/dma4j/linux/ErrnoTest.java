package org.dma4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.dma4j.Errno;
import org.dma4j.linux.gen.libc.libc_h;
import org.junit.jupiter.api.Test;

/** {@link Errno}'s numbers are the C library's: every constant, both ways, read from jextract's {@code <errno.h>}. */
class ErrnoTest {
    /** Every E* constant jextract generated from {@code <errno.h>}, aliases included. */
    private static Map<String, Integer> libc() throws ReflectiveOperationException {
        Map<String, Integer> out = new TreeMap<>();
        for (Method m : libc_h.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())
                    && m.getParameterCount() == 0
                    && m.getReturnType() == int.class
                    && m.getName().matches("E[A-Z0-9]+")) {
                out.put(m.getName(), (int) m.invoke(null));
            }
        }
        return out;
    }

    @Test
    void everyConstantHasTheCLibrarysNumber() throws ReflectiveOperationException {
        Map<String, Integer> c = libc();
        assertTrue(c.size() > 100, "jextract's <errno.h> has " + c.size() + " constants");
        for (Errno e : Errno.values()) {
            if (e != Errno.UNKNOWN) {
                assertEquals(c.get(e.name()), e.value(), e.name());
                assertEquals(e, Errno.of(e.value()));
            }
        }
    }

    @Test
    void everyCLibraryErrnoHasAConstant() throws ReflectiveOperationException {
        for (var entry : libc().entrySet()) {
            Optional<Errno> e = Errno.named(entry.getKey());
            assertTrue(e.isPresent(), entry.getKey() + " has no Errno constant");
            assertEquals(entry.getValue(), e.get().value(), entry.getKey());
        }
    }

    @Test
    void aliasesAndUnknowns() {
        assertEquals(Optional.of(Errno.EAGAIN), Errno.named("EWOULDBLOCK"));
        assertEquals(Optional.of(Errno.EOPNOTSUPP), Errno.named("ENOTSUP"));
        assertEquals(Optional.empty(), Errno.named("ENOTANERRNO"));
        assertEquals(Optional.empty(), Errno.named("UNKNOWN"));
        assertEquals(Errno.UNKNOWN, Errno.of(0));
        assertEquals(Errno.UNKNOWN, Errno.of(-1));
        assertEquals(Errno.UNKNOWN, Errno.of(58), "no errno 58 on Linux (EDEADLOCK is 35 here)");
        assertEquals(Errno.UNKNOWN, Errno.of(524));
        assertEquals("errno 524", Errno.nameOf(524));
        assertEquals("EMSGSIZE", Errno.nameOf(90));
    }
}
