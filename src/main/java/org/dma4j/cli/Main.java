package org.dma4j.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.dma4j.Dma4jException;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The {@code dma4j} command line, for people: the capability probe, device listing and
 * binding, the NVMe driver's identify, read, write, perf and smart, and the edu selftest. Parsed by picocli:
 * every option is typed and range-checked before a device is opened; usage errors are one line
 * and exit 2, failures exit 1, and no argument list reaches a stack trace.
 */
@Command(
        name = "dma4j",
        mixinStandardHelpOptions = true,
        version = "dma4j 0.1.0",
        description = "Userspace device drivers in Java: VFIO, iommufd, pinned DMA memory, an NVMe driver.",
        footer = {
            "",
            "Numbers are decimal or 0x hex (never octal: 010 is ten); sizes take k, m or g (4k = 4096).",
            "Exit status: 0 done, 1 failed, 2 usage error."
        })
public final class Main implements Callable<Integer> {
    /** Exit codes. */
    static final int OK = 0, FAILED = 1, USAGE = 2;

    /** What every command prints to, and whether stderr is a terminal (progress with \r). */
    record Io(PrintStream out, PrintStream err, boolean terminal) {}

    @Option(
            names = {"-v", "--verbose"},
            scope = CommandLine.ScopeType.INHERIT,
            description = "debug logging: registers read, queues created, mappings made (to stderr)")
    boolean verbose;

    private final Io io;

    private Main(Io io) {
        this.io = io;
    }

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err, stderrIsTerminal()));
    }

    /** Whether fd 2 is a terminal (progress then rewrites one line with \r); stdout may be a file meanwhile. */
    static boolean stderrIsTerminal() {
        try {
            String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2"))
                    .toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Runs one command; returns the process exit code (0 ok, 1 failed, 2 usage). */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        return run(args, out, err, false);
    }

    static int run(List<String> args, PrintStream out, PrintStream err, boolean terminal) {
        try {
            CommandLine cl = commandLine(new Io(out, err, terminal));
            return cl.execute(args.toArray(String[]::new));
        } catch (Throwable t) { // a bug of ours still gets one line, never a stack trace
            err.println("dma4j: internal error: " + oneLine(t));
            return FAILED;
        }
    }

    /** The whole command tree, every command an instance that prints to {@code io}. */
    static CommandLine commandLine(Io io) {
        CommandLine cl = new CommandLine(new Main(io))
                .addSubcommand("doctor", new DoctorCommand(io))
                .addSubcommand("list", new DeviceCommands.ListCommand(io))
                .addSubcommand("bind", new DeviceCommands.BindCommand(io))
                .addSubcommand("unbind", new DeviceCommands.UnbindCommand(io))
                .addSubcommand("nvme", NvmeCommand.commandLine(io))
                .addSubcommand("edu", EduCommand.commandLine(io))
                .addSubcommand("completion", new Completion(io))
                .addSubcommand("help", new CommandLine.HelpCommand());
        cl.setOut(new PrintWriter(io.out(), true));
        cl.setErr(new PrintWriter(io.err(), true));
        cl.setOverwrittenOptionsAllowed(false);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionStrategy(pr -> {
            // With --help picocli stops complaining about the rest; garbage beside it is still garbage.
            for (ParseResult p = pr; p != null; p = p.subcommand()) {
                if (!p.unmatched().isEmpty()) {
                    throw new CommandLine.UnmatchedArgumentException(
                            p.commandSpec().commandLine(), p.unmatched());
                }
            }
            Logging.verbose(verbose(pr));
            return new CommandLine.RunLast().execute(pr);
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            String who = c.getCommandSpec().qualifiedName();
            io.err().println(who + ": " + usageMessage(ex, c) + " (see `" + who + " --help`)");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, pr) -> {
            String who = c.getCommandSpec().qualifiedName();
            if (ex instanceof ParameterException
                    || ex instanceof UsageException
                    || ex instanceof IllegalArgumentException) {
                io.err().println(who + ": " + firstLine(ex.getMessage()));
                return USAGE;
            }
            io.err()
                    .println(who + ": "
                            + (ex instanceof Dma4jException
                                            || ex instanceof java.io.UncheckedIOException
                                            || ex instanceof java.io.IOException
                                    ? firstLine(ex.getMessage())
                                    : oneLine(ex)));
            return FAILED;
        });
        return cl;
    }

    /** Picocli's message, except a word where a command belongs: "unknown command 'x'; the commands are ...". */
    private static String usageMessage(ParameterException ex, CommandLine c) {
        if (ex instanceof CommandLine.UnmatchedArgumentException u
                && !c.getSubcommands().isEmpty()
                && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().get(0).startsWith("-")) {
            return "unknown command '" + u.getUnmatched().get(0) + "'; the commands are "
                    + String.join(", ", c.getSubcommands().keySet());
        }
        return firstLine(ex.getMessage());
    }

    private static boolean verbose(ParseResult pr) {
        for (ParseResult p = pr; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** Without a command: the list of them, as a usage error. */
    @Override
    public Integer call() {
        CommandLine.usage(this, io.err());
        return USAGE;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    private static String oneLine(Throwable t) {
        return t.getClass().getSimpleName() + ": " + firstLine(t.getMessage());
    }

    /** A command line the command cannot use; its message says what to type instead. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** {@code dma4j completion}: a bash/zsh completion script generated from this command tree. */
    @Command(
            name = "completion",
            mixinStandardHelpOptions = true,
            description = {"Prints a bash (and zsh) completion script for dma4j.", "Use: source <(dma4j completion)"})
    static final class Completion implements Callable<Integer> {
        private final Io io;

        Completion(Io io) {
            this.io = io;
        }

        @Override
        public Integer call() {
            io.out().print(AutoComplete.bash("dma4j", commandLine(io)));
            return OK;
        }
    }
}
