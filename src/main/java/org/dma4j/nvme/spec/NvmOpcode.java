package org.dma4j.nvme.spec;

/** I/O command opcodes of the NVM command set (NVM Command Set Specification 1.0, figure "Opcodes for NVM Commands"). */
public enum NvmOpcode {
    FLUSH(0x00, "Flush"),
    WRITE(0x01, "Write"),
    READ(0x02, "Read"),
    WRITE_UNCORRECTABLE(0x04, "Write Uncorrectable"),
    COMPARE(0x05, "Compare"),
    WRITE_ZEROES(0x08, "Write Zeroes"),
    DATASET_MANAGEMENT(0x09, "Dataset Management"),
    VERIFY(0x0c, "Verify"),
    COPY(0x19, "Copy");

    private static final NvmOpcode[] BY_VALUE = new NvmOpcode[256];

    static {
        for (NvmOpcode o : values()) {
            BY_VALUE[o.value] = o;
        }
    }

    private final int value;
    private final String specName;

    NvmOpcode(int value, String specName) {
        this.value = value;
        this.specName = specName;
    }

    /** The opcode byte. */
    public int value() {
        return value;
    }

    /** The specification's name, as "Write Zeroes". */
    public String specName() {
        return specName;
    }

    /** The opcode {@code value} (its low 8 bits), or null if dma4j does not know it. Allocates nothing. */
    public static NvmOpcode of(int value) {
        return BY_VALUE[value & 0xff];
    }

    /** The specification's name of opcode {@code value}, or "opcode 0xNN". */
    public static String nameOf(int value) {
        NvmOpcode o = of(value);
        return o != null ? o.specName : "opcode 0x" + Integer.toHexString(value & 0xff);
    }
}
