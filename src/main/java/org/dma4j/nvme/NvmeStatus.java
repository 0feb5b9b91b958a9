package org.dma4j.nvme;

/**
 * A completion's status field (NVMe base spec 4.6.1.2): status code type, status code, and the
 * name the specification gives it. A value; decoding allocates only for {@link #toString()}.
 */
public record NvmeStatus(int type, int code, boolean doNotRetry) {
    public static final NvmeStatus SUCCESS = new NvmeStatus(0, 0, false);

    /** Decodes the 15 bits above the phase tag in CQE dword 3's upper half. */
    public static NvmeStatus of(int statusField) {
        return new NvmeStatus((statusField >>> 8) & 0x7, statusField & 0xff, ((statusField >>> 14) & 1) == 1);
    }

    public boolean isSuccess() {
        return type == 0 && code == 0;
    }

    /** The specification's name for this status. */
    public String name() {
        return switch (type) {
            case 0 -> switch (code) {
                case 0x00 -> "Successful Completion";
                case 0x01 -> "Invalid Command Opcode";
                case 0x02 -> "Invalid Field in Command";
                case 0x03 -> "Command ID Conflict";
                case 0x04 -> "Data Transfer Error";
                case 0x06 -> "Internal Error";
                case 0x07 -> "Command Abort Requested";
                case 0x08 -> "Command Aborted due to SQ Deletion";
                case 0x0b -> "Invalid Namespace or Format";
                case 0x13 -> "Invalid PRP Offset";
                case 0x80 -> "LBA Out of Range";
                case 0x81 -> "Capacity Exceeded";
                case 0x82 -> "Namespace Not Ready";
                default -> "Generic Command Status 0x" + Integer.toHexString(code);
            };
            case 1 -> switch (code) {
                case 0x00 -> "Completion Queue Invalid";
                case 0x01 -> "Invalid Queue Identifier";
                case 0x02 -> "Invalid Queue Size";
                case 0x03 -> "Abort Command Limit Exceeded";
                case 0x08 -> "Invalid Interrupt Vector";
                case 0x09 -> "Invalid Log Page";
                case 0x0b -> "Invalid Format";
                case 0x0c -> "Invalid Queue Deletion";
                default -> "Command Specific Status 0x" + Integer.toHexString(code);
            };
            case 2 -> switch (code) {
                case 0x80 -> "Write Fault";
                case 0x81 -> "Unrecovered Read Error";
                case 0x82 -> "End-to-end Guard Check Error";
                case 0x86 -> "Access Denied";
                default -> "Media and Data Integrity Error 0x" + Integer.toHexString(code);
            };
            case 3 -> "Path Related Status 0x" + Integer.toHexString(code);
            default -> "Status type " + type + " code 0x" + Integer.toHexString(code);
        };
    }

    @Override
    public String toString() {
        return name() + " (SCT " + type + ", SC 0x" + Integer.toHexString(code) + (doNotRetry ? ", DNR" : "") + ")";
    }
}
