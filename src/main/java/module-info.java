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
    // The command line's parser and histograms; optional, so library users need neither.
    // tools/dma4j adds them to the module graph (--add-modules).
    requires static info.picocli;
    requires static HdrHistogram;

    exports org.dma4j;
    exports org.dma4j.mem;
    exports org.dma4j.iommu;
    exports org.dma4j.fake;
    exports org.dma4j.fake.edu;
    exports org.dma4j.pci;
    exports org.dma4j.nvme;
    exports org.dma4j.nvme.spec;
    exports org.dma4j.edu;
    // picocli reads the command classes' annotations and sets their fields reflectively.
    opens org.dma4j.cli to
            info.picocli;
}
