package org.dma4j.pci;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A PCI function's address, {@code domain:bus:device.function} as sysfs names it ({@code 0000:01:00.0}). */
public record PciAddress(int domain, int bus, int device, int function) {
    private static final Pattern BDF =
            Pattern.compile("(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-7])");

    public PciAddress {
        if (domain < 0
                || domain > 0xffff
                || bus < 0
                || bus > 0xff
                || device < 0
                || device > 0x1f
                || function < 0
                || function > 7) {
            throw new IllegalArgumentException(
                    "not a PCI address: " + domain + ":" + bus + ":" + device + "." + function);
        }
    }

    /** Parses {@code 0000:01:00.0} or {@code 01:00.0} (domain 0). */
    public static PciAddress parse(String text) {
        Matcher m = BDF.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a PCI address; write it as 0000:01:00.0 (see dma4j list)");
        }
        return new PciAddress(
                m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16),
                Integer.parseInt(m.group(2), 16),
                Integer.parseInt(m.group(3), 16),
                Integer.parseInt(m.group(4)));
    }

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%d", domain, bus, device, function);
    }
}
