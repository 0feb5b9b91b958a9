package org.dma4j.nvme.spec;

/**
 * Completion status codes (NVMe Base Specification 2.0, figures "Status Code - Generic Command
 * Status Values", "- Command Specific Status Values", "- Media and Data Integrity Errors", "- Path
 * Related Status Values", with the NVM command set's values from the NVM Command Set
 * Specification 1.0), and the bits of the 15-bit status field (CQE dword 3 bits 31:17): SC bits
 * 7:0, SCT bits 10:8, CRD bits 12:11, More bit 13, DNR bit 14.
 */
public enum StatusCode {
    SUCCESS(0, 0x00, "Successful Completion"),
    INVALID_OPCODE(0, 0x01, "Invalid Command Opcode"),
    INVALID_FIELD(0, 0x02, "Invalid Field in Command"),
    CID_CONFLICT(0, 0x03, "Command ID Conflict"),
    DATA_TRANSFER_ERROR(0, 0x04, "Data Transfer Error"),
    ABORTED_POWER_LOSS(0, 0x05, "Commands Aborted due to Power Loss Notification"),
    INTERNAL_ERROR(0, 0x06, "Internal Error"),
    ABORT_REQUESTED(0, 0x07, "Command Abort Requested"),
    ABORTED_SQ_DELETION(0, 0x08, "Command Aborted due to SQ Deletion"),
    ABORTED_FAILED_FUSED(0, 0x09, "Command Aborted due to Failed Fused Command"),
    ABORTED_MISSING_FUSED(0, 0x0a, "Command Aborted due to Missing Fused Command"),
    INVALID_NAMESPACE_OR_FORMAT(0, 0x0b, "Invalid Namespace or Format"),
    COMMAND_SEQUENCE_ERROR(0, 0x0c, "Command Sequence Error"),
    INVALID_SGL_SEGMENT_DESCRIPTOR(0, 0x0d, "Invalid SGL Segment Descriptor"),
    INVALID_USE_OF_CMB(0, 0x12, "Invalid Use of Controller Memory Buffer"),
    PRP_OFFSET_INVALID(0, 0x13, "PRP Offset Invalid"),
    ATOMIC_WRITE_UNIT_EXCEEDED(0, 0x14, "Atomic Write Unit Exceeded"),
    OPERATION_DENIED(0, 0x15, "Operation Denied"),
    SANITIZE_IN_PROGRESS(0, 0x1d, "Sanitize In Progress"),
    NAMESPACE_WRITE_PROTECTED(0, 0x20, "Namespace is Write Protected"),
    COMMAND_INTERRUPTED(0, 0x21, "Command Interrupted"),
    TRANSIENT_TRANSPORT_ERROR(0, 0x22, "Transient Transport Error"),
    LBA_OUT_OF_RANGE(0, 0x80, "LBA Out of Range"),
    CAPACITY_EXCEEDED(0, 0x81, "Capacity Exceeded"),
    NAMESPACE_NOT_READY(0, 0x82, "Namespace Not Ready"),
    RESERVATION_CONFLICT(0, 0x83, "Reservation Conflict"),
    FORMAT_IN_PROGRESS(0, 0x84, "Format In Progress"),

    COMPLETION_QUEUE_INVALID(1, 0x00, "Completion Queue Invalid"),
    INVALID_QUEUE_IDENTIFIER(1, 0x01, "Invalid Queue Identifier"),
    INVALID_QUEUE_SIZE(1, 0x02, "Invalid Queue Size"),
    ABORT_COMMAND_LIMIT_EXCEEDED(1, 0x03, "Abort Command Limit Exceeded"),
    ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED(1, 0x05, "Asynchronous Event Request Limit Exceeded"),
    INVALID_FIRMWARE_SLOT(1, 0x06, "Invalid Firmware Slot"),
    INVALID_FIRMWARE_IMAGE(1, 0x07, "Invalid Firmware Image"),
    INVALID_INTERRUPT_VECTOR(1, 0x08, "Invalid Interrupt Vector"),
    INVALID_LOG_PAGE(1, 0x09, "Invalid Log Page"),
    INVALID_FORMAT(1, 0x0a, "Invalid Format"),
    FIRMWARE_NEEDS_CONVENTIONAL_RESET(1, 0x0b, "Firmware Activation Requires Conventional Reset"),
    INVALID_QUEUE_DELETION(1, 0x0c, "Invalid Queue Deletion"),
    FEATURE_NOT_SAVEABLE(1, 0x0d, "Feature Identifier Not Saveable"),
    FEATURE_NOT_CHANGEABLE(1, 0x0e, "Feature Not Changeable"),
    FEATURE_NOT_NAMESPACE_SPECIFIC(1, 0x0f, "Feature Not Namespace Specific"),
    CONFLICTING_ATTRIBUTES(1, 0x80, "Conflicting Attributes"),
    INVALID_PROTECTION_INFORMATION(1, 0x81, "Invalid Protection Information"),
    WRITE_TO_READ_ONLY_RANGE(1, 0x82, "Attempted Write to Read Only Range"),

    WRITE_FAULT(2, 0x80, "Write Fault"),
    UNRECOVERED_READ_ERROR(2, 0x81, "Unrecovered Read Error"),
    GUARD_CHECK_ERROR(2, 0x82, "End-to-end Guard Check Error"),
    APPLICATION_TAG_CHECK_ERROR(2, 0x83, "End-to-end Application Tag Check Error"),
    REFERENCE_TAG_CHECK_ERROR(2, 0x84, "End-to-end Reference Tag Check Error"),
    COMPARE_FAILURE(2, 0x85, "Compare Failure"),
    ACCESS_DENIED(2, 0x86, "Access Denied"),
    DEALLOCATED_OR_UNWRITTEN_BLOCK(2, 0x87, "Deallocated or Unwritten Logical Block"),

    INTERNAL_PATH_ERROR(3, 0x00, "Internal Path Error"),
    ASYMMETRIC_ACCESS_PERSISTENT_LOSS(3, 0x01, "Asymmetric Access Persistent Loss"),
    ASYMMETRIC_ACCESS_INACCESSIBLE(3, 0x02, "Asymmetric Access Inaccessible"),
    ASYMMETRIC_ACCESS_TRANSITION(3, 0x03, "Asymmetric Access Transition"),
    CONTROLLER_PATHING_ERROR(3, 0x60, "Controller Pathing Error"),
    HOST_PATHING_ERROR(3, 0x70, "Host Pathing Error"),
    ABORTED_BY_HOST(3, 0x71, "Command Aborted By Host");

    /** Status code types (SCT). */
    public static final int GENERIC = 0,
            COMMAND_SPECIFIC = 1,
            MEDIA_AND_DATA_INTEGRITY = 2,
            PATH_RELATED = 3,
            VENDOR_SPECIFIC = 7;
    /** Do Not Retry, bit 14 of the status field. */
    public static final int DNR = 1 << 14;
    /** More (a log page has more about this error), bit 13 of the status field. */
    public static final int MORE = 1 << 13;

    private static final StatusCode[] BY_FIELD = new StatusCode[8 << 8];

    static {
        for (StatusCode c : values()) {
            BY_FIELD[c.field()] = c;
        }
    }

    private final int type;
    private final int code;
    private final String specName;

    StatusCode(int type, int code, String specName) {
        this.type = type;
        this.code = code;
        this.specName = specName;
    }

    /** SCT, the status code type (0 generic, 1 command specific, 2 media and data integrity, 3 path related). */
    public int type() {
        return type;
    }

    /** SC, the status code within its type. */
    public int code() {
        return code;
    }

    /** The specification's name, as "Invalid Field in Command". */
    public String specName() {
        return specName;
    }

    /** The status field with this code and no flags (DNR, More, CRD clear). */
    public int field() {
        return type << 8 | code;
    }

    /** The status field with this code and Do Not Retry set. */
    public int withDnr() {
        return field() | DNR;
    }

    /** The code of status field {@code field} (DNR, More and CRD ignored), or null if dma4j does not know it. */
    public static StatusCode of(int field) {
        return BY_FIELD[field & 0x7ff];
    }

    /** The code {@code sc} of type {@code sct}, or null if dma4j does not know it. */
    public static StatusCode of(int sct, int sc) {
        return BY_FIELD[(sct & 7) << 8 | (sc & 0xff)];
    }

    /** SCT of a status field. */
    public static int typeOf(int field) {
        return field >>> 8 & 7;
    }

    /** SC of a status field. */
    public static int codeOf(int field) {
        return field & 0xff;
    }

    /** CRD, the command retry delay index of a status field (0: none). */
    public static int retryDelayOf(int field) {
        return field >>> 11 & 3;
    }

    /** Whether a status field has Do Not Retry set. */
    public static boolean doNotRetry(int field) {
        return (field & DNR) != 0;
    }
}
