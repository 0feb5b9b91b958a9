package org.dma4j.doctor;

/**
 * One finding of the capability probe: what was checked, how it stands, what was seen, and
 * what to change when it is not {@link Status#OK}.
 *
 * @param name short name of the capability ("vfio-type1", "hugepages-2M")
 * @param status how it stands
 * @param detail what was seen, in words
 * @param fix what to change, or "" when nothing is needed
 */
public record Check(String name, Status status, String detail, String fix) {
    /** How a capability stands on this machine. */
    public enum Status {
        /** Available and usable. */
        OK,
        /** Usable with limits, or off but easy to turn on. */
        WARN,
        /** Not available here. */
        MISSING
    }

    static Check ok(String name, String detail) {
        return new Check(name, Status.OK, detail, "");
    }

    static Check warn(String name, String detail, String fix) {
        return new Check(name, Status.WARN, detail, fix);
    }

    static Check missing(String name, String detail, String fix) {
        return new Check(name, Status.MISSING, detail, fix);
    }
}
