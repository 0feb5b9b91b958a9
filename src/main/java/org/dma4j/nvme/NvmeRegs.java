package org.dma4j.nvme;

/** Controller register offsets and fields of the NVMe base specification (PCIe transport, section 3.1). */
public final class NvmeRegs {
    private NvmeRegs() {}

    public static final int CAP = 0x00;
    public static final int VS = 0x08;
    public static final int INTMS = 0x0c;
    public static final int INTMC = 0x10;
    public static final int CC = 0x14;
    public static final int CSTS = 0x1c;
    public static final int AQA = 0x24;
    public static final int ASQ = 0x28;
    public static final int ACQ = 0x30;
    public static final int DOORBELLS = 0x1000;

    public static final int CC_EN = 1;
    public static final int CC_SHN_NORMAL = 1 << 14;
    public static final int CC_IOSQES_64 = 6 << 16;
    public static final int CC_IOCQES_16 = 4 << 20;
    public static final int CSTS_RDY = 1;
    public static final int CSTS_CFS = 1 << 1;
    public static final int CSTS_SHST_MASK = 3 << 2;
    public static final int CSTS_SHST_COMPLETE = 2 << 2;

    /** The Controller Capabilities register, decoded. */
    public record Cap(long raw) {
        /** Maximum queue entries supported (MQES is 0's based). */
        public int maxQueueEntries() {
            return (int) (raw & 0xffff) + 1;
        }

        /** Worst-case time to become ready, in milliseconds (CAP.TO is in 500 ms units). */
        public long timeoutMillis() {
            return ((raw >>> 24) & 0xff) * 500;
        }

        /** Doorbell stride in bytes: {@code 4 << CAP.DSTRD}. */
        public int doorbellStride() {
            return 4 << (int) ((raw >>> 32) & 0xf);
        }

        /** Whether the NVM command set is supported (CAP.CSS bit 0). */
        public boolean nvmCommandSet() {
            return ((raw >>> 37) & 1) == 1;
        }

        /** Smallest memory page size: {@code 4 KiB << CAP.MPSMIN}. */
        public long minPageSize() {
            return 4096L << ((raw >>> 48) & 0xf);
        }

        /** Largest memory page size: {@code 4 KiB << CAP.MPSMAX}. */
        public long maxPageSize() {
            return 4096L << ((raw >>> 52) & 0xf);
        }

        /** Whether queues must be physically contiguous (CAP.CQR). */
        public boolean contiguousQueuesRequired() {
            return ((raw >>> 16) & 1) == 1;
        }
    }
}
