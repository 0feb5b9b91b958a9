package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.IrqType;
import org.dma4j.pci.PciDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Queue-management commands a driver gets wrong, answered the same way by the fake NVMe
 * controller on the host and by QEMU's NVMe in the guest: the proof that the fake fails where
 * the device does. Raw admin commands on I/O queue 1 of a freshly opened controller.
 */
public abstract class NvmeQueueRulesContract {
    private PciDevice device;
    private NvmeController ctrl;
    private DmaBuffer mem;
    private DmaMapping map;
    private long sq;
    private long cq;

    protected abstract PciDevice openDevice();

    protected abstract void closeDevice(PciDevice d);

    @BeforeEach
    void bringUp() {
        device = openDevice();
        ctrl = NvmeController.open(device);
        mem = DmaBuffer.allocate(3 * 4096);
        map = device.dmaSpace().map(mem, DmaDirection.BIDIRECTIONAL);
        sq = map.iova().value();
        cq = sq + 4096;
    }

    @AfterEach
    void shutDown() {
        try {
            if (ctrl != null) {
                ctrl.close();
            }
            if (map != null) {
                map.close();
                mem.close();
            }
        } finally {
            closeDevice(device);
        }
    }

    private NvmeStatus fails(int opc, long prp1, int cdw10, int cdw11) {
        return assertThrows(NvmeException.class, () -> ctrl.adminCommand(opc, 0, prp1, 0, cdw10, cdw11, 0)).status();
    }

    private void createCq() {
        ctrl.adminCommand(NvmeController.CREATE_CQ, 0, cq, 0, 7 << 16 | 1, 1, 0);
    }

    private void createSq() {
        ctrl.adminCommand(NvmeController.CREATE_SQ, 0, sq, 0, 7 << 16 | 1, 1 << 16 | 1, 0);
    }

    private void deleteBoth() {
        ctrl.adminCommand(NvmeController.DELETE_SQ, 0, 0, 0, 1, 0, 0);
        ctrl.adminCommand(NvmeController.DELETE_CQ, 0, 0, 0, 1, 0, 0);
    }

    @Test
    void queuesMustBePhysicallyContiguous() {
        assertEquals(new NvmeStatus(0, 0x02, true), fails(NvmeController.CREATE_CQ, cq, 7 << 16 | 1, 0), "CQ with PC=0");
        createCq();
        assertEquals(new NvmeStatus(0, 0x02, true), fails(NvmeController.CREATE_SQ, sq, 7 << 16 | 1, 1 << 16), "SQ with PC=0");
        createSq();
        deleteBoth();
    }

    @Test
    void queuesMustBePageAligned() {
        assertEquals(new NvmeStatus(0, 0x13, true), fails(NvmeController.CREATE_CQ, cq + 512, 7 << 16 | 1, 1), "CQ off a page");
        createCq();
        assertEquals(new NvmeStatus(0, 0x13, true), fails(NvmeController.CREATE_SQ, sq + 64, 7 << 16 | 1, 1 << 16 | 1),
                "SQ off a page");
        createSq();
        deleteBoth();
    }

    @Test
    void aCqInUseCannotBeDeleted() {
        createCq();
        createSq();
        assertEquals(1, fails(NvmeController.DELETE_CQ, 0, 1, 0).type());
        assertEquals(0x0c, fails(NvmeController.DELETE_CQ, 0, 1, 0).code(), "Invalid Queue Deletion");
        deleteBoth();
        assertEquals(new NvmeStatus(1, 0x01, true), fails(NvmeController.DELETE_SQ, 0, 1, 0), "no such SQ any more");
    }

    @Test
    void aCqVectorMustExist() {
        int vectors = device.interruptCount(IrqType.MSIX);
        assertEquals(new NvmeStatus(1, 0x08, true), fails(NvmeController.CREATE_CQ, cq, 7 << 16 | 1, vectors << 16 | 1 << 1 | 1),
                "vector " + vectors + " of " + vectors);
    }
}
