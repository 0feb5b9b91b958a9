package org.dma4j.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDeviceInfo;
import org.dma4j.pci.PciSysfs;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** {@code dma4j list [--json]}, {@code dma4j bind BDF}, {@code dma4j unbind [--force] BDF}. */
final class DeviceCommands {
    private DeviceCommands() {}

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "PCI devices with their driver and IOMMU group; * marks those VFIO can open now.")
    static final class ListCommand implements Callable<Integer> {
        private final Main.Io io;

        @Option(names = "--json", description = "one JSON object: {\"devices\":[...]}")
        boolean json;

        ListCommand(Main.Io io) {
            this.io = io;
        }

        @Override
        public Integer call() {
            List<PciDeviceInfo> devices = new PciSysfs().list();
            io.out().print(json ? toJson(devices) : toText(devices));
            return 0;
        }
    }

    @Command(
            name = "bind",
            mixinStandardHelpOptions = true,
            description = "Binds a device to vfio-pci (as root), checking its IOMMU group is viable.")
    static final class BindCommand implements Callable<Integer> {
        private final Main.Io io;

        @Parameters(paramLabel = "BDF", converter = Address.class, description = "PCI address, like 0000:01:00.0")
        PciAddress address;

        BindCommand(Main.Io io) {
            this.io = io;
        }

        @Override
        public Integer call() {
            PciSysfs sysfs = new PciSysfs();
            sysfs.bindVfio(address);
            io.out()
                    .println(address + " is bound to vfio-pci (IOMMU group "
                            + sysfs.info(address).iommuGroup().getAsInt() + ")");
            return 0;
        }
    }

    @Command(
            name = "unbind",
            mixinStandardHelpOptions = true,
            description = "Gives a device on vfio-pci back to its own driver.")
    static final class UnbindCommand implements Callable<Integer> {
        private final Main.Io io;

        @Option(names = "--force", description = "also detach a device from a driver other than vfio-pci")
        boolean force;

        @Parameters(paramLabel = "BDF", converter = Address.class, description = "PCI address, like 0000:01:00.0")
        PciAddress address;

        UnbindCommand(Main.Io io) {
            this.io = io;
        }

        @Override
        public Integer call() {
            io.out()
                    .println(address + " is now bound to "
                            + new PciSysfs().unbind(address, force).orElse("no driver"));
            return 0;
        }
    }

    /** Picocli converter: a PCI address. */
    static final class Address implements ITypeConverter<PciAddress> {
        @Override
        public PciAddress convert(String value) {
            try {
                return PciAddress.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Marks with '*' the devices dma4j can open now (bound to vfio-pci). */
    static String toText(List<PciDeviceInfo> devices) {
        if (devices.isEmpty()) {
            return "no PCI devices on this machine (/sys/bus/pci/devices is empty)\n";
        }
        StringBuilder sb = new StringBuilder(
                String.format("  %-12s  %-9s  %-20s  %-10s  %s%n", "ADDRESS", "ID", "CLASS", "DRIVER", "IOMMU GROUP"));
        for (PciDeviceInfo d : devices) {
            sb.append(String.format(
                    "%s %-12s  %04x:%04x  %-20s  %-10s  %s%n",
                    d.boundToVfio() ? "*" : " ",
                    d.address(),
                    d.vendor(),
                    d.device(),
                    d.className(),
                    d.driver().orElse("-"),
                    d.iommuGroup().isPresent() ? String.valueOf(d.iommuGroup().getAsInt()) : "none"));
        }
        long usable = devices.stream().filter(PciDeviceInfo::boundToVfio).count();
        sb.append(String.format(
                "%n%d devices; %d usable with VFIO now (*); `dma4j bind ADDRESS` binds one%n", devices.size(), usable));
        return sb.toString();
    }

    static String toJson(List<PciDeviceInfo> devices) {
        StringBuilder sb = new StringBuilder("{\"devices\":[");
        for (int i = 0; i < devices.size(); i++) {
            PciDeviceInfo d = devices.get(i);
            sb.append(i == 0 ? "" : ",")
                    .append("{\"address\":")
                    .append(Json.string(d.address().toString()))
                    .append(",\"vendor\":")
                    .append(Json.string(String.format("%04x", d.vendor())))
                    .append(",\"device\":")
                    .append(Json.string(String.format("%04x", d.device())))
                    .append(",\"class\":")
                    .append(Json.string(String.format("%06x", d.classCode())))
                    .append(",\"className\":")
                    .append(Json.string(d.className()))
                    .append(",\"driver\":")
                    .append(d.driver().map(Json::string).orElse("null"))
                    .append(",\"iommuGroup\":")
                    .append(
                            d.iommuGroup().isPresent()
                                    ? String.valueOf(d.iommuGroup().getAsInt())
                                    : "null")
                    .append(",\"vfio\":")
                    .append(d.boundToVfio())
                    .append('}');
        }
        return sb.append("]}\n").toString();
    }
}
