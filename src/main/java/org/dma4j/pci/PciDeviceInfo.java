package org.dma4j.pci;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * What sysfs says of one PCI function: its IDs, class, the driver bound to it and its IOMMU group.
 *
 * @param classCode the 24-bit class code (0x010802 is an NVMe controller)
 * @param driver the bound driver's name, if any
 * @param iommuGroup the IOMMU group, if the function has one (none: no IOMMU and no-IOMMU mode off)
 */
public record PciDeviceInfo(
        PciAddress address, int vendor, int device, int classCode, Optional<String> driver, OptionalInt iommuGroup) {
    /** Whether it is bound to vfio-pci, so dma4j can open it. */
    public boolean boundToVfio() {
        return driver.filter("vfio-pci"::equals).isPresent();
    }

    /** A short name of the class, for people. */
    public String className() {
        return switch (classCode >> 8) {
            case 0x0108 -> (classCode & 0xff) == 0x02 ? "NVMe controller" : "NVM controller";
            case 0x0106 -> "SATA controller";
            case 0x0200 -> "Ethernet controller";
            case 0x0300 -> "VGA controller";
            case 0x0600 -> "Host bridge";
            case 0x0601 -> "ISA bridge";
            case 0x0604 -> "PCI bridge";
            case 0x0c03 -> "USB controller";
            case 0x0c05 -> "SMBus controller";
            default -> (classCode >> 16) == 0x01 ? "Storage controller" : String.format("class %06x", classCode);
        };
    }
}
