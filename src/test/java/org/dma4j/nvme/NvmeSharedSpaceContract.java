package org.dma4j.nvme;

import java.util.HashMap;
import java.util.Map;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.SharedDmaSpaceContract;

/**
 * {@link SharedDmaSpaceContract} on NVMe controllers: a device writes into a mapping by writing a
 * block of the value to LBA 0 from a buffer of its own, then reading it back into the mapping.
 * Each device's driver is brought up on first use and closed before its device.
 */
public abstract class NvmeSharedSpaceContract extends SharedDmaSpaceContract {
    private final Map<PciDevice, NvmeController> drivers = new HashMap<>();

    @Override
    protected void dmaInto(PciDevice device, DmaMapping target, byte value) {
        NvmeController c = drivers.computeIfAbsent(device, NvmeController::open);
        Namespace ns = c.namespaces().getFirst();
        int blocks = Math.max(1, 512 / ns.blockSize());
        try (IoQueue q = c.createIoQueue(4);
                DmaBuffer src = space.allocate(4096);
                DmaMapping m = space.map(src, DmaDirection.TO_DEVICE)) {
            src.segment().fill(value);
            q.write(ns, 0, blocks, m, 0);
            q.read(ns, 0, blocks, target, 0);
        }
    }

    @Override
    protected void closeDevice(PciDevice device) {
        NvmeController c = drivers.remove(device);
        try {
            if (c != null) {
                c.close();
            }
        } finally {
            device.close();
        }
    }
}
