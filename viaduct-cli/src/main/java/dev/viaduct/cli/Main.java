package dev.viaduct.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bin/viaduct}. Exit codes: 0 success, 1 failure while running, 2 bad usage.
 */
@Command(name = "viaduct",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Viaduct: a pure layer-3 pod network (routed pods, BGP between hosts, per-pod veth).",
        subcommands = {CommandLine.HelpCommand.class, AgentCommand.class, BgpCommand.class, CniCommand.class, LabCommand.class,
                CtlCommand.class, AotTrainingCommand.class, BfddCommand.class, KubeControllersCommand.class},
        footer = "%nRun 'viaduct COMMAND --help' for a command's options.")
public final class Main implements Runnable {
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("lab")) {
            LabCommand.reportUncaughtBriefly();
        }
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit code (used by tests too). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println(cmd.getCommandName() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        return cl;
    }

    /** One line saying what was wrong and where to look, instead of picocli's full usage dump. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String path = qualifiedName(cmd);
        String msg;
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                && cmd.getSubcommands().size() > 1 && !u.getUnmatched().getFirst().startsWith("-")) {
            msg = "unknown command '" + u.getUnmatched().getFirst() + "'";
        } else {
            msg = e.getMessage();
        }
        cmd.getErr().println(path + ": " + msg + " (see '" + path + " --help')");
        return EXIT_USAGE;
    }

    private static String qualifiedName(CommandLine cmd) {
        String name = cmd.getCommandName();
        for (CommandLine p = cmd.getParent(); p != null; p = p.getParent()) {
            name = p.getCommandName() + " " + name;
        }
        return name;
    }

    @Override
    public void run() {
        // `viaduct` alone: show what exists
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Version from the build (filtered resource), plus the Java runtime for bug reports. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"viaduct " + p.getProperty("version", "unknown")
                    + " (Java " + Runtime.version() + ")"};
        }
    }
}
