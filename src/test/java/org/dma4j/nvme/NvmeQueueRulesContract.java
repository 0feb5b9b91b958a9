package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.spec.AdminCommands;
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

    private NvmeStatus fails(NvmeController.AdminCommand c) {
        return assertThrows(NvmeException.class, () -> ctrl.adminCommand(c)).status();
    }

    /** Create I/O CQ 1 of 8 entries at {@code base}. */
    private static NvmeController.AdminCommand cq(long base, boolean contiguous, boolean interrupts, int vector) {
        return (s, at, cid) -> AdminCommands.createIoCq(s, at, cid, 1, 8, base, contiguous, interrupts, vector);
    }

    /** Create I/O SQ 1 of 8 entries at {@code base}, completing to CQ 1. */
    private static NvmeController.AdminCommand sq(long base, boolean contiguous) {
        return (s, at, cid) -> AdminCommands.createIoSq(s, at, cid, 1, 8, base, contiguous, 1);
    }

    private static final NvmeController.AdminCommand DELETE_SQ_1 =
            (s, at, cid) -> AdminCommands.deleteIoSq(s, at, cid, 1);
    private static final NvmeController.AdminCommand DELETE_CQ_1 =
            (s, at, cid) -> AdminCommands.deleteIoCq(s, at, cid, 1);

    private void createCq() {
        ctrl.adminCommand(cq(cq, true, false, 0));
    }

    private void createSq() {
        ctrl.adminCommand(sq(sq, true));
    }

    private void deleteBoth() {
        ctrl.adminCommand(DELETE_SQ_1);
        ctrl.adminCommand(DELETE_CQ_1);
    }

    @Test
    void queuesMustBePhysicallyContiguous() {
        assertEquals(new NvmeStatus(0, 0x02, true), fails(cq(cq, false, false, 0)), "CQ with PC=0");
        createCq();
        assertEquals(new NvmeStatus(0, 0x02, true), fails(sq(sq, false)), "SQ with PC=0");
        createSq();
        deleteBoth();
    }

    @Test
    void queuesMustBePageAligned() {
        assertEquals(new NvmeStatus(0, 0x13, true), fails(cq(cq + 512, true, false, 0)), "CQ off a page");
        createCq();
        assertEquals(new NvmeStatus(0, 0x13, true), fails(sq(sq + 64, true)), "SQ off a page");
        createSq();
        deleteBoth();
    }

    @Test
    void aCqInUseCannotBeDeleted() {
        createCq();
        createSq();
        assertEquals(1, fails(DELETE_CQ_1).type());
        assertEquals(0x0c, fails(DELETE_CQ_1).code(), "Invalid Queue Deletion");
        deleteBoth();
        assertEquals(new NvmeStatus(1, 0x01, true), fails(DELETE_SQ_1), "no such SQ any more");
    }

    @Test
    void aCqVectorMustExist() {
        int vectors = device.interruptCount(IrqType.MSIX);
        assertEquals(
                new NvmeStatus(1, 0x08, true),
                fails(cq(cq, true, true, vectors)),
                "vector " + vectors + " of " + vectors);
    }
}
