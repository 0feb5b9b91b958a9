package org.dma4j.iommu.internal;

import java.util.Objects;
import org.dma4j.Dma4jException;
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
    /** What the backends provide. */
    public interface Opener {
        /** Opens the VFIO device {@code bdf} into {@code space}; the caller owns the returned file. */
        Fd open(DmaSpace space, String bdf);

        /** Registers an open device's DMA switch with its space; returns what unregisters it. */
        Runnable attach(DmaSpace space, String device, Runnable stopDma);
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
        return opener().open(space, bdf);
    }

    /**
     * Tells {@code space} that {@code device} is open in it: should the space close first,
     * it runs {@code stopDma} before it unmaps anything. Returns what the device runs on its close.
     */
    public static Runnable attach(DmaSpace space, String device, Runnable stopDma) {
        return opener().attach(space, device, stopDma);
    }

    private static Opener opener() {
        Opener o = opener;
        if (o == null) { // nothing has initialised the backend base class yet
            try {
                Class.forName("org.dma4j.iommu.AbstractDmaSpace", true, VfioDeviceFiles.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new Dma4jException(
                        "cannot load org.dma4j.iommu.AbstractDmaSpace, which registers the VFIO device opener", e);
            }
            o = opener;
        }
        return o;
    }
}
