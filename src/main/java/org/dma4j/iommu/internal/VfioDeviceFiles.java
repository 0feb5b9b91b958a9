package org.dma4j.iommu.internal;

import java.util.Objects;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.linux.Fd;

/**
 * How {@code org.dma4j.pci} asks a DMA space's backend to open a VFIO device: the device-opening
 * entry of the backend contract (libvfn's {@code iommu_ctx_ops}), kept out of the public API
 * because a device file is an internal {@link Fd}. This package is not exported.
 *
 * <p>{@code org.dma4j.iommu.AbstractDmaSpace} installs the opener when it is initialised (the
 * JDK's shared-secrets pattern), so every backend answers for itself: type1 and no-IOMMU through
 * the device's IOMMU group, iommufd through its cdev (bind, attach), the fake with a refusal.
 */
public final class VfioDeviceFiles {
    /** Opens the VFIO device {@code bdf} into {@code space}; the caller owns the returned file. */
    @FunctionalInterface
    public interface Opener {
        Fd open(DmaSpace space, String bdf);
    }

    private static volatile Opener opener;

    private VfioDeviceFiles() {}

    /** Called once, by {@code AbstractDmaSpace}'s static initialiser. */
    public static void install(Opener o) {
        opener = Objects.requireNonNull(o);
    }

    /**
     * Opens the VFIO device {@code bdf} (a PCI address, {@code 0000:01:00.0}) into {@code space},
     * as its backend does it. The caller owns the returned descriptor; the space stays its owner's.
     */
    public static Fd open(DmaSpace space, String bdf) {
        Opener o = opener;
        if (o == null) { // nothing has initialised the backend base class yet
            try {
                Class.forName("org.dma4j.iommu.AbstractDmaSpace", true, VfioDeviceFiles.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            o = opener;
        }
        return o.open(space, bdf);
    }
}
