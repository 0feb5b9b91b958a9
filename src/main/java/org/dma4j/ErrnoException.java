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
    private final Errno code;
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
        this.code = Errno.of(errno);
        this.errnoName = errnoName;
        this.description = description;
        this.hint = hint;
    }

    /** What was attempted ("ioctl VFIO_SET_IOMMU on /dev/vfio/vfio"). */
    public String operation() {
        return operation;
    }

    /**
     * The errno as a constant, to compare or switch on ({@code e.errno() == Errno.EBUSY});
     * {@link Errno#UNKNOWN} for a value {@link Errno} does not name ({@link #errnoValue()} has it).
     */
    public Errno errno() {
        return code;
    }

    /** The errno number, as the call set it. */
    public int errnoValue() {
        return errno;
    }

    /** Whether the call failed with {@code errno}. */
    public boolean is(Errno errno) {
        return code == errno;
    }

    /** The errno's symbolic name, such as {@code EBUSY}, for messages; compare {@link #errno()} instead. */
    public String errnoName() {
        return errnoName;
    }

    /**
     * This failure again with {@code hint} as its fix, for a caller that knows better what the errno
     * means here; the errno stays typed, and this exception becomes the cause.
     */
    public ErrnoException withHint(String hint) {
        ErrnoException e = new ErrnoException(operation, errno, errnoName, description, hint);
        e.initCause(this);
        return e;
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
