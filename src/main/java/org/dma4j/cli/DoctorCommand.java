package org.dma4j.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.dma4j.doctor.Check;
import org.dma4j.doctor.Doctor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dma4j doctor [--json]}: prints the capability probe for people, or as JSON. */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = "What this machine can do for a userspace driver, and what to change.")
final class DoctorCommand implements Callable<Integer> {
    private final Main.Io io;

    @Option(names = "--json", description = "one JSON object: {\"checks\":[{name,status,detail,fix}]}")
    boolean json;

    DoctorCommand(Main.Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        List<Check> checks = new Doctor().run();
        io.out().print(json ? toJson(checks) : toText(checks));
        return 0;
    }

    static String toText(List<Check> checks) {
        int width = checks.stream().mapToInt(c -> c.name().length()).max().orElse(0);
        StringBuilder sb = new StringBuilder("dma4j doctor: what this machine can do for a userspace driver\n\n");
        for (Check c : checks) {
            sb.append(String.format("  %-9s %-" + width + "s  %s%n", "[" + c.status() + "]", c.name(), c.detail()));
            if (!c.fix().isEmpty()) {
                sb.append(" ".repeat(14 + width)).append("-> ").append(c.fix()).append('\n');
            }
        }
        long ok = checks.stream().filter(c -> c.status() == Check.Status.OK).count();
        sb.append(String.format("%n%d of %d checks OK%n", ok, checks.size()));
        return sb.toString();
    }

    static String toJson(List<Check> checks) {
        StringBuilder sb = new StringBuilder("{\"checks\":[");
        for (int i = 0; i < checks.size(); i++) {
            Check c = checks.get(i);
            sb.append(i == 0 ? "" : ",")
                    .append("{\"name\":")
                    .append(Json.string(c.name()))
                    .append(",\"status\":")
                    .append(Json.string(c.status().name()))
                    .append(",\"detail\":")
                    .append(Json.string(c.detail()))
                    .append(",\"fix\":")
                    .append(Json.string(c.fix()))
                    .append('}');
        }
        return sb.append("]}\n").toString();
    }
}
