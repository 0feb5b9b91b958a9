package org.dma4j.nvme;

import org.dma4j.nvme.spec.StatusCode;

/**
 * A completion's status field (NVMe base spec 4.6.1.2): status code type, status code, and the
 * name the specification gives it ({@link StatusCode}). A value; decoding allocates only for
 * {@link #toString()}.
 */
public record NvmeStatus(int type, int code, boolean doNotRetry) {
    public static final NvmeStatus SUCCESS = new NvmeStatus(0, 0, false);

    /** Decodes the 15 bits above the phase tag in CQE dword 3's upper half. */
    public static NvmeStatus of(int statusField) {
        return new NvmeStatus(
                StatusCode.typeOf(statusField), StatusCode.codeOf(statusField), StatusCode.doNotRetry(statusField));
    }

    /** {@code code} as a status, with Do Not Retry as given. */
    public static NvmeStatus of(StatusCode code, boolean doNotRetry) {
        return new NvmeStatus(code.type(), code.code(), doNotRetry);
    }

    public boolean isSuccess() {
        return type == 0 && code == 0;
    }

    /** The specification's status code, or null for one dma4j does not know (vendor specific, or newer). */
    public StatusCode statusCode() {
        return StatusCode.of(type, code);
    }

    /** Whether this is {@code c}, whatever its Do Not Retry bit. */
    public boolean is(StatusCode c) {
        return c.type() == type && c.code() == code;
    }

    /** The specification's name for this status. */
    public String name() {
        StatusCode known = statusCode();
        if (known != null) {
            return known.specName();
        }
        return switch (type) {
            case StatusCode.GENERIC -> "Generic Command Status 0x" + Integer.toHexString(code);
            case StatusCode.COMMAND_SPECIFIC -> "Command Specific Status 0x" + Integer.toHexString(code);
            case StatusCode.MEDIA_AND_DATA_INTEGRITY -> "Media and Data Integrity Error 0x" + Integer.toHexString(code);
            case StatusCode.PATH_RELATED -> "Path Related Status 0x" + Integer.toHexString(code);
            default -> "Status type " + type + " code 0x" + Integer.toHexString(code);
        };
    }

    @Override
    public String toString() {
        return name() + " (SCT " + type + ", SC 0x" + Integer.toHexString(code) + (doNotRetry ? ", DNR" : "") + ")";
    }
}
