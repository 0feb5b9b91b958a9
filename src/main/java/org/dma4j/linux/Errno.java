package org.dma4j.linux;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.dma4j.linux.gen.libc.libc_h;

/**
 * Symbolic names of errno values ({@code 16 -> "EBUSY"}), read from the generated
 * {@code <errno.h>} constants so that they always match the C library.
 */
public final class Errno {
    /** Where two names share a value, the one strerror and the kernel docs use. */
    private static final Set<String> ALIASES = Set.of("EWOULDBLOCK", "EDEADLOCK", "ENOTSUP");
    private static final Map<Integer, String> NAMES = load();

    private Errno() {}

    /** The symbolic name of {@code errno}, or {@code "errno N"} when the C library has none. */
    public static String name(int errno) {
        String name = NAMES.get(errno);
        return name != null ? name : "errno " + errno;
    }

    /** The value of a named errno, such as {@code value("EBUSY")}. */
    public static int value(String name) {
        return NAMES.entrySet().stream().filter(e -> e.getValue().equals(name)).findFirst()
                .map(Map.Entry::getKey)
                .orElseThrow(() -> new IllegalArgumentException("no errno named " + name));
    }

    private static Map<Integer, String> load() {
        Map<Integer, String> names = new HashMap<>();
        for (Method m : libc_h.class.getMethods()) {
            String n = m.getName();
            if (Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 0
                    && m.getReturnType() == int.class && n.matches("E[A-Z0-9]+") && !ALIASES.contains(n)) {
                try {
                    names.put((int) m.invoke(null), n);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read errno constant " + n, e);
                }
            }
        }
        return Map.copyOf(names);
    }
}
