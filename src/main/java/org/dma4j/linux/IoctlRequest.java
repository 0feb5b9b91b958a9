package org.dma4j.linux;

/**
 * An ioctl request: its UAPI name (for error messages) and its encoded number, held as the
 * unsigned {@code long} the kernel's {@code ioctl(int, unsigned long, ...)} takes.
 */
public record IoctlRequest(String name, long number) {
    /** A request whose number jextract generated as a C {@code int} (zero-extended, as C does). */
    static IoctlRequest of(String name, int generated) {
        return new IoctlRequest(name, Integer.toUnsignedLong(generated));
    }

    @Override
    public String toString() {
        return name + " (0x" + Long.toHexString(number) + ")";
    }
}
