package org.dma4j.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import org.dma4j.Dma4jException;
import org.dma4j.pci.PciSysfs;

/**
 * The {@code dma4j} command line, for people: the capability probe, device listing and
 * binding, and the NVMe driver's identify, read, write, perf and smart.
 */
public final class Main {
    static final String USAGE = """
            usage: dma4j <command> [options]

            commands:
              doctor [--json]   what this machine can do for a userspace driver, and what to change
              list [--json]     PCI devices with their driver and IOMMU group; * marks those VFIO can open
              bind BDF          bind a device to vfio-pci (as root), checking its IOMMU group is viable
              unbind [--force] BDF
                                give a device on vfio-pci back to its own driver; --force also
                                detaches it from another driver
              nvme ...          the NVMe driver: identify, read, write, perf, smart, demo (dma4j nvme for details)
              help              this text
            """;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    /** Runs one command; returns the process exit code (0 ok, 1 failed, 2 usage). */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            err.print(USAGE);
            return 2;
        }
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        try {
            return switch (command) {
                case "doctor" -> DoctorCommand.run(rest, out, err);
                case "list" -> DeviceCommands.list(rest, out, new PciSysfs());
                case "bind" -> DeviceCommands.bind(rest, out, new PciSysfs());
                case "unbind" -> DeviceCommands.unbind(rest, out, new PciSysfs());
                case "nvme" -> NvmeCommand.run(rest, out, err);
                case "help", "-h", "--help" -> {
                    out.print(USAGE);
                    yield 0;
                }
                default -> {
                    err.println("dma4j: unknown command '" + command + "'; run `dma4j help` for the list");
                    yield 2;
                }
            };
        } catch (UsageException e) {
            err.println("dma4j " + command + ": " + e.getMessage());
            return 2;
        } catch (Dma4jException e) {
            err.println("dma4j " + command + ": " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("dma4j " + command + ": " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("dma4j " + command + ": " + e);
            return 1;
        }
    }

    /** A command line the command cannot parse; its message says what to type instead. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
