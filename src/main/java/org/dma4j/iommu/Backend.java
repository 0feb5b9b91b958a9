package org.dma4j.iommu;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.dma4j.Dma4jException;

/**
 * The kinds of DMA space: each names one implementation of the sealed {@link AbstractDmaSpace}
 * hierarchy. {@link DmaSpaces#open(Backend, String)} opens a VFIO one for a PCI device; the fake
 * is {@code org.dma4j.fake.FakeDmaSpace.open()}.
 */
public enum Backend {
    /** A VFIO type1 container: IOMMU groups, {@code /dev/vfio/vfio} ({@link VfioType1Space}). */
    TYPE1("type1"),
    /** An iommufd IOAS: device cdevs, {@code /dev/iommu} ({@link IommufdSpace}). */
    IOMMUFD("iommufd"),
    /** VFIO's unsafe no-IOMMU mode: the device sees physical addresses ({@link NoIommuSpace}). */
    NOIOMMU("noiommu"),
    /** The simulated IOMMU of {@code org.dma4j.fake} (no kernel, no PCI address). */
    FAKE("fake");

    private final String id;

    Backend(String id) {
        this.id = id;
    }

    /** The lower-case name the command line and JSON use ({@code type1}, {@code iommufd}, ...). */
    public String id() {
        return id;
    }

    /** The lower-case {@link #id()}, so that messages read "the type1 DMA space". */
    @Override
    public String toString() {
        return id;
    }

    /**
     * The backend named {@code name} ({@link #id()}, any case), or a {@link Dma4jException}
     * listing the names there are.
     */
    public static Backend parse(String name) {
        for (Backend b : values()) {
            if (b.id.equalsIgnoreCase(name.trim())) {
                return b;
            }
        }
        throw new Dma4jException("'" + name + "' is not a DMA backend; use one of "
                + Arrays.stream(values()).map(Backend::id).collect(Collectors.joining(", ")));
    }
}
