package org.dma4j.nvme.spec;

/** Feature identifiers of Set and Get Features (FID, CDW10 bits 7:0; NVMe Base Specification 2.0, figure "Feature Identifiers"). */
public enum FeatureId {
    ARBITRATION(0x01),
    POWER_MANAGEMENT(0x02),
    TEMPERATURE_THRESHOLD(0x04),
    ERROR_RECOVERY(0x05),
    VOLATILE_WRITE_CACHE(0x06),
    /** CDW11 and completion dword 0: submission queues in bits 15:0, completion queues in bits 31:16, both 0's based. */
    NUMBER_OF_QUEUES(0x07),
    INTERRUPT_COALESCING(0x08),
    INTERRUPT_VECTOR_CONFIGURATION(0x09),
    WRITE_ATOMICITY_NORMAL(0x0a),
    ASYNCHRONOUS_EVENT_CONFIGURATION(0x0b),
    TIMESTAMP(0x0e);

    private static final FeatureId[] BY_VALUE = new FeatureId[256];

    static {
        for (FeatureId f : values()) {
            BY_VALUE[f.value] = f;
        }
    }

    private final int value;

    FeatureId(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    /** The feature {@code value}, or null if dma4j does not know it. */
    public static FeatureId of(int value) {
        return BY_VALUE[value & 0xff];
    }
}
