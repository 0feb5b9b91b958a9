/**
 * dma4j: Linux userspace device drivers in Java. Binds VFIO and iommufd through the FFM API,
 * pins DMA memory, programs IOMMU mappings and talks to PCI devices; a fake backend runs the
 * same driver code without hardware.
 *
 * <p>Only {@code org.dma4j} and the layer packages are exported; the raw Linux layer and
 * the jextract-generated bindings under {@code org.dma4j.linux.gen} are internal. Run with
 * {@code --enable-native-access=org.dma4j}.
 */
module org.dma4j {
    requires org.slf4j;

    exports org.dma4j;
    exports org.dma4j.mem;
    exports org.dma4j.iommu;
    exports org.dma4j.fake;
    exports org.dma4j.pci;
    exports org.dma4j.nvme;
}
