package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;
import org.dma4j.pci.SharedDmaSpaceContract;

/** Two fake NVMe controllers on one fake IOMMU: each reads a block into the shared mapping. */
class FakeSharedDmaSpaceTest extends SharedDmaSpaceContract {
    private final Map<PciDevice, NvmeController> drivers = new HashMap<>();
    private FakeDmaSpace fake;

    @Override
    protected DmaSpace openSpace() {
        fake = FakeDmaSpace.open();
        return fake;
    }

    @Override
    protected List<PciDevice> openDevices(DmaSpace space) {
        return List.of(FakeNvme.device(PciAddress.parse("0000:00:04.0"), fake, new FakeNvme(FakeNvme.Config.defaults())),
                FakeNvme.device(PciAddress.parse("0000:00:05.0"), fake, new FakeNvme(FakeNvme.Config.defaults())));
    }

    /** Writes a block of {@code value} to LBA 0 from a buffer of its own, then reads it into {@code target}. */
    @Override
    protected void dmaInto(PciDevice device, DmaMapping target, byte value) {
        NvmeController c = drivers.computeIfAbsent(device, NvmeController::open);
        Namespace ns = c.namespaces().getFirst();
        try (IoQueue q = c.createIoQueue(4); DmaBuffer src = space.allocate(4096);
             DmaMapping m = space.map(src, DmaDirection.TO_DEVICE)) {
            MemorySegment s = src.segment();
            s.fill(value);
            q.write(ns, 0, 1, m, 0);
            q.read(ns, 0, 1, target, 0);
        }
    }

    @Override
    protected void closeDevice(PciDevice device) {
        NvmeController c = drivers.remove(device);
        if (c != null) {
            c.close();
        }
        device.close();
    }
}
