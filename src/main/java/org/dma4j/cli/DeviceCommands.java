package org.dma4j.cli;

import java.io.PrintStream;
import java.util.List;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDeviceInfo;
import org.dma4j.pci.PciSysfs;

/** {@code dma4j list [--json]}, {@code dma4j bind BDF}, {@code dma4j unbind [--force] BDF}. */
final class DeviceCommands {
    private DeviceCommands() {}

    static int list(List<String> args, PrintStream out, PciSysfs sysfs) {
        boolean json = parseJsonFlag(args, "usage: dma4j list [--json]");
        List<PciDeviceInfo> devices = sysfs.list();
        out.print(json ? toJson(devices) : toText(devices));
        return 0;
    }

    static int bind(List<String> args, PrintStream out, PciSysfs sysfs) {
        PciAddress a = address(args, "usage: dma4j bind BDF (for example dma4j bind 0000:01:00.0)");
        sysfs.bindVfio(a);
        out.println(a + " is bound to vfio-pci (IOMMU group " + sysfs.info(a).iommuGroup().getAsInt() + ")");
        return 0;
    }

    static int unbind(List<String> args, PrintStream out, PciSysfs sysfs) {
        boolean force = args.contains("--force");
        List<String> rest = args.stream().filter(x -> !x.equals("--force")).toList();
        PciAddress a = address(rest, "usage: dma4j unbind [--force] BDF");
        out.println(a + " is now bound to " + sysfs.unbind(a, force).orElse("no driver"));
        return 0;
    }

    private static PciAddress address(List<String> args, String usage) {
        if (args.size() != 1) {
            throw new Main.UsageException(usage);
        }
        try {
            return PciAddress.parse(args.get(0));
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
    }

    static boolean parseJsonFlag(List<String> args, String usage) {
        boolean json = false;
        for (String a : args) {
            if (a.equals("--json")) {
                json = true;
            } else {
                throw new Main.UsageException("unknown option '" + a + "'; " + usage);
            }
        }
        return json;
    }

    /** Marks with '*' the devices dma4j can open now (bound to vfio-pci). */
    static String toText(List<PciDeviceInfo> devices) {
        if (devices.isEmpty()) {
            return "no PCI devices on this machine (/sys/bus/pci/devices is empty)\n";
        }
        StringBuilder sb = new StringBuilder(String.format("  %-12s  %-9s  %-20s  %-10s  %s%n", "ADDRESS", "ID", "CLASS", "DRIVER", "IOMMU GROUP"));
        for (PciDeviceInfo d : devices) {
            sb.append(String.format("%s %-12s  %04x:%04x  %-20s  %-10s  %s%n", d.boundToVfio() ? "*" : " ", d.address(),
                    d.vendor(), d.device(), d.className(), d.driver().orElse("-"),
                    d.iommuGroup().isPresent() ? String.valueOf(d.iommuGroup().getAsInt()) : "none"));
        }
        long usable = devices.stream().filter(PciDeviceInfo::boundToVfio).count();
        sb.append(String.format("%n%d devices; %d usable with VFIO now (*); `dma4j bind ADDRESS` binds one%n", devices.size(), usable));
        return sb.toString();
    }

    static String toJson(List<PciDeviceInfo> devices) {
        StringBuilder sb = new StringBuilder("{\"devices\":[");
        for (int i = 0; i < devices.size(); i++) {
            PciDeviceInfo d = devices.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"address\":").append(Json.string(d.address().toString()))
                    .append(",\"vendor\":").append(Json.string(String.format("%04x", d.vendor())))
                    .append(",\"device\":").append(Json.string(String.format("%04x", d.device())))
                    .append(",\"class\":").append(Json.string(String.format("%06x", d.classCode())))
                    .append(",\"className\":").append(Json.string(d.className()))
                    .append(",\"driver\":").append(d.driver().map(Json::string).orElse("null"))
                    .append(",\"iommuGroup\":").append(d.iommuGroup().isPresent() ? String.valueOf(d.iommuGroup().getAsInt()) : "null")
                    .append(",\"vfio\":").append(d.boundToVfio()).append('}');
        }
        return sb.append("]}\n").toString();
    }
}
