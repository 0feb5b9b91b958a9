package org.dma4j.nvme.spec;

/** Admin command opcodes (NVMe Base Specification 2.0, figure "Opcodes for Admin Commands"). */
public enum AdminOpcode {
    DELETE_IO_SQ(0x00, "Delete I/O SQ"),
    CREATE_IO_SQ(0x01, "Create I/O SQ"),
    GET_LOG_PAGE(0x02, "Get Log Page"),
    DELETE_IO_CQ(0x04, "Delete I/O CQ"),
    CREATE_IO_CQ(0x05, "Create I/O CQ"),
    IDENTIFY(0x06, "Identify"),
    ABORT(0x08, "Abort"),
    SET_FEATURES(0x09, "Set Features"),
    GET_FEATURES(0x0a, "Get Features"),
    ASYNCHRONOUS_EVENT_REQUEST(0x0c, "Asynchronous Event Request"),
    NAMESPACE_MANAGEMENT(0x0d, "Namespace Management"),
    FIRMWARE_COMMIT(0x10, "Firmware Commit"),
    FIRMWARE_IMAGE_DOWNLOAD(0x11, "Firmware Image Download"),
    NAMESPACE_ATTACHMENT(0x15, "Namespace Attachment"),
    KEEP_ALIVE(0x18, "Keep Alive"),
    DOORBELL_BUFFER_CONFIG(0x7c, "Doorbell Buffer Config"),
    FORMAT_NVM(0x80, "Format NVM"),
    SANITIZE(0x84, "Sanitize");

    private static final AdminOpcode[] BY_VALUE = new AdminOpcode[256];

    static {
        for (AdminOpcode o : values()) {
            BY_VALUE[o.value] = o;
        }
    }

    private final int value;
    private final String specName;

    AdminOpcode(int value, String specName) {
        this.value = value;
        this.specName = specName;
    }

    /** The opcode byte. */
    public int value() {
        return value;
    }

    /** The specification's name, as "Create I/O SQ". */
    public String specName() {
        return specName;
    }

    /** The opcode {@code value} (its low 8 bits), or null if dma4j does not know it. Allocates nothing. */
    public static AdminOpcode of(int value) {
        return BY_VALUE[value & 0xff];
    }

    /** The specification's name of opcode {@code value}, or "admin opcode 0xNN". */
    public static String nameOf(int value) {
        AdminOpcode o = of(value);
        return o != null ? o.specName : "admin opcode 0x" + Integer.toHexString(value & 0xff);
    }
}
