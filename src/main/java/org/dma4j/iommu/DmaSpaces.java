package org.dma4j.iommu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dma4j.Dma4jException;

/**
 * Opens the DMA space a PCI device should use. The backend is the {@code dma4j.iommu} system
 * property ({@code type1}, {@code iommufd}, {@code noiommu}) when set; otherwise iommufd when
 * {@code /dev/iommu} and {@code /dev/vfio/devices} exist, no-IOMMU when the device's group is
 * a no-IOMMU group, and type1 otherwise — libvfn's choice.
 */
public final class DmaSpaces {
    /** The system property that forces a backend. */
    public static final String PROPERTY = "dma4j.iommu";

    private DmaSpaces() {}

    /** Which backend {@link #forDevice} would open for {@code bdf}. */
    public static String choose(String bdf) {
        String forced = System.getProperty(PROPERTY, "").trim();
        if (!forced.isEmpty()) {
            if (!forced.equals("type1") && !forced.equals("iommufd") && !forced.equals("noiommu")) {
                throw new Dma4jException("-D" + PROPERTY + "=" + forced + " is not a backend; use type1, iommufd or noiommu");
            }
            return forced;
        }
        if (Files.exists(Path.of("/dev/vfio/noiommu-" + group(bdf)))) {
            return "noiommu";
        }
        if (Files.exists(Path.of("/dev/iommu")) && Files.isDirectory(Path.of("/dev/vfio/devices"))) {
            return "iommufd";
        }
        return "type1";
    }

    /** Opens the space {@link #choose} picks. For iommufd the device still has to attach to it. */
    public static AbstractDmaSpace forDevice(String bdf) {
        return open(choose(bdf), bdf);
    }

    /**
     * Opens the {@code backend} space ({@code type1}, {@code iommufd} or {@code noiommu}) for
     * {@code bdf}, whatever {@link #PROPERTY} says: for callers that choose per device rather than
     * per process. The caller owns the space.
     */
    public static AbstractDmaSpace open(String backend, String bdf) {
        return switch (backend) {
            case "iommufd" -> IommufdSpace.open();
            case "noiommu" -> NoIommuSpace.open(group(bdf));
            case "type1" -> VfioType1Space.open(group(bdf));
            default -> throw new Dma4jException(backend + " is not a backend; use type1, iommufd or noiommu");
        };
    }

    /** The IOMMU group number of a PCI device, from sysfs. */
    public static int group(String bdf) {
        Path link = Path.of("/sys/bus/pci/devices", bdf, "iommu_group");
        try {
            return Integer.parseInt(Files.readSymbolicLink(link).getFileName().toString());
        } catch (IOException | NumberFormatException e) {
            throw new Dma4jException(bdf + " has no IOMMU group (" + link + "): no such device, or no IOMMU and"
                    + " no-IOMMU mode off; dma4j doctor says which", e);
        }
    }
}
