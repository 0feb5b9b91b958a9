package org.dma4j.nvme.spec;

/** Log page identifiers of Get Log Page (LID, CDW10 bits 7:0; NVMe Base Specification 2.0, figure "Log Page Identifiers"). */
public enum LogPageId {
    /** Error Information: {@link ErrorLogPage#ENTRY_SIZE}-byte entries, newest first. */
    ERROR_INFORMATION(0x01),
    /** SMART / Health Information: {@link SmartLogPage#SIZE} bytes. */
    SMART_HEALTH(0x02),
    FIRMWARE_SLOT(0x03),
    CHANGED_NAMESPACES(0x04),
    COMMANDS_SUPPORTED_AND_EFFECTS(0x05);

    private static final LogPageId[] BY_VALUE = new LogPageId[256];

    static {
        for (LogPageId l : values()) {
            BY_VALUE[l.value] = l;
        }
    }

    private final int value;

    LogPageId(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    /** The log page {@code value}, or null if dma4j does not know it. */
    public static LogPageId of(int value) {
        return BY_VALUE[value & 0xff];
    }
}
