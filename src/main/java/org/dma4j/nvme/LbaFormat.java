package org.dma4j.nvme;

/**
 * One LBA Format of Identify Namespace (LBAF0..LBAF63): the logical block's data size, the
 * metadata bytes that go with each block, and the relative performance the controller reports.
 *
 * @param dataSize bytes of data per logical block (2^LBADS)
 * @param metadataSize MS, metadata bytes per logical block (0: none)
 * @param relativePerformance RP, 0 (best) to 3 (degraded)
 */
public record LbaFormat(int dataSize, int metadataSize, int relativePerformance) {
    /** As the spec table writes it: "512", or "512+8" with metadata. */
    @Override
    public String toString() {
        return metadataSize == 0 ? Integer.toString(dataSize) : dataSize + "+" + metadataSize;
    }
}
