package org.dma4j.pci;

/** A PCI interrupt kind, with its VFIO IRQ index ({@code VFIO_PCI_*_IRQ_INDEX}). */
public enum IrqType {
    INTX(0),
    MSI(1),
    MSIX(2);

    private final int vfioIndex;

    IrqType(int vfioIndex) {
        this.vfioIndex = vfioIndex;
    }

    public int vfioIndex() {
        return vfioIndex;
    }
}
