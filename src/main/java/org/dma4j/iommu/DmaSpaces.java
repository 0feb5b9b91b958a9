package org.dma4j.iommu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dma4j.Dma4jException;

/**
 * Opens the DMA space a PCI device should use: the {@link Backend} the caller names, or the best
 * this machine has ({@link #choose}: no-IOMMU when the device's group is a no-IOMMU group,
 * iommufd when {@code /dev/iommu} and {@code /dev/vfio/devices} exist, type1 otherwise —
 * libvfn's choice). The space opens empty of devices; a device joins it with
 * {@code VfioPciDevice.open(address, space)}, and more may join the same space.
 */
public final class DmaSpaces {
    private DmaSpaces() {}

    /** The backend {@link #open(String)} opens for {@code bdf}: the best this machine has. */
    public static Backend choose(String bdf) {
        if (Files.exists(Path.of("/dev/vfio/noiommu-" + group(bdf)))) {
            return Backend.NOIOMMU;
        }
        if (Files.exists(Path.of("/dev/iommu")) && Files.isDirectory(Path.of("/dev/vfio/devices"))) {
            return Backend.IOMMUFD;
        }
        return Backend.TYPE1;
    }

    /** Opens the space {@link #choose} picks for {@code bdf}. The caller owns and closes it. */
    public static DmaSpace open(String bdf) {
        return open(choose(bdf), bdf);
    }

    /**
     * Opens a {@code backend} space for the device {@code bdf} (type1 and no-IOMMU start with its
     * IOMMU group in the container; iommufd needs nothing of it until the device attaches). The
     * caller owns and closes it. {@link Backend#FAKE} is refused: a fake space has no PCI address
     * ({@code FakeDmaSpace.open()}).
     */
    public static DmaSpace open(Backend backend, String bdf) {
        return switch (backend) {
            case IOMMUFD -> IommufdSpace.open();
            case NOIOMMU -> NoIommuSpace.open(group(bdf));
            case TYPE1 -> VfioType1Space.open(group(bdf));
            case FAKE ->
                throw new Dma4jException("the fake backend has no PCI devices (" + bdf + "); open a fake space with"
                        + " FakeDmaSpace.open(), or choose type1, iommufd or noiommu");
        };
    }

    /** The IOMMU group number of a PCI device, from sysfs. */
    public static int group(String bdf) {
        Path link = Path.of("/sys/bus/pci/devices", bdf, "iommu_group");
        try {
            return Integer.parseInt(Files.readSymbolicLink(link).getFileName().toString());
        } catch (IOException | NumberFormatException e) {
            throw new Dma4jException(
                    bdf + " has no IOMMU group (" + link + "): no such device, or no IOMMU and"
                            + " no-IOMMU mode off; dma4j doctor says which",
                    e);
        }
    }
}
