package org.dma4j;

import java.util.Optional;

/**
 * A system call that failed, with the {@code errno} it set. The message reads
 * {@code failed to <operation>: <strerror> (<ERRNO>)}, followed by the fix when one is known,
 * for example {@code failed to open /dev/vfio/7: Device or resource busy (EBUSY); another
 * process owns this IOMMU group}.
 */
public class ErrnoException extends Dma4jException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final int errno;
    private final String errnoName;
    private final String description;
    private final String hint;

    /**
     * @param operation what was attempted, as "verb object" ("open /dev/vfio/vfio")
     * @param errno the errno value the call set
     * @param errnoName its symbolic name ("EBUSY"), or "errno N" when unknown
     * @param description the C library's {@code strerror} text
     * @param hint how to fix it, or null
     */
    public ErrnoException(String operation, int errno, String errnoName, String description, String hint) {
        super("failed to " + operation + ": " + description + " (" + errnoName + ")"
                + (hint == null ? "" : "; " + hint));
        this.operation = operation;
        this.errno = errno;
        this.errnoName = errnoName;
        this.description = description;
        this.hint = hint;
    }

    /** What was attempted ("ioctl VFIO_SET_IOMMU on /dev/vfio/vfio"). */
    public String operation() {
        return operation;
    }

    /** The errno value. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, such as {@code EBUSY}. */
    public String errnoName() {
        return errnoName;
    }

    /** The C library's description of the errno ({@code strerror}). */
    public String description() {
        return description;
    }

    /** How to fix it, when dma4j knows. */
    public Optional<String> hint() {
        return Optional.ofNullable(hint);
    }
}
