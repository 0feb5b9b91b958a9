package org.dma4j.pci;

import java.nio.file.Path;

/** Run by PciSysfsTest in a child JVM without CAP_DAC_OVERRIDE: tries a bind and prints what it said. */
public final class BindProbe {
    private BindProbe() {}

    public static void main(String[] args) {
        try {
            new PciSysfs(Path.of(args[0])).bindVfio(PciAddress.parse(args[1]));
            System.out.println("BOUND");
        } catch (PciSetupException e) {
            System.out.println("REFUSED " + e.getMessage());
        }
    }
}
