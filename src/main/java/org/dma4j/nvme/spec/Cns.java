package org.dma4j.nvme.spec;

/** Identify's Controller or Namespace Structure (CNS, CDW10 bits 7:0; NVMe Base Specification 2.0, figure "CNS Values"). */
public enum Cns {
    /** Identify Namespace data structure for the NSID (NVM command set). */
    NAMESPACE(0x00),
    /** Identify Controller data structure. */
    CONTROLLER(0x01),
    /** Active namespace ID list: up to 1024 NSIDs above the given one, ascending, 0-terminated. */
    ACTIVE_NAMESPACES(0x02),
    /** Namespace identification descriptor list. */
    NAMESPACE_DESCRIPTORS(0x03),
    /** I/O command set specific Identify Namespace data structure. */
    CSI_NAMESPACE(0x05),
    /** I/O command set specific Identify Controller data structure. */
    CSI_CONTROLLER(0x06);

    private static final Cns[] BY_VALUE = new Cns[256];

    static {
        for (Cns c : values()) {
            BY_VALUE[c.value] = c;
        }
    }

    private final int value;

    Cns(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    /** The CNS {@code value}, or null if dma4j does not know it. */
    public static Cns of(int value) {
        return BY_VALUE[value & 0xff];
    }
}
