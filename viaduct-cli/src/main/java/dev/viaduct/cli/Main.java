package dev.viaduct.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bin/viaduct}. Exit codes: 0 success, 1 failure while running, 2 bad usage.
 *
 * <p>Subcommands are registered lazily: picocli builds a command's model by reflecting over its class, its
 * options' types and all its subcommands, so a command line naming one subcommand gets only that one (and
 * {@code --version} none). Usage, {@code help} and unknown commands get all of them, so the listing and the
 * error message are the same as with a static list. The most-run {@code ctl} commands do not build picocli's model
 * at all when {@link CtlShortcut} is certain of their command line.
 */
@Command(name = "viaduct",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Viaduct: a pure layer-3 pod network (routed pods, BGP between hosts, per-pod veth).",
        footer = "%nRun 'viaduct COMMAND --help' for a command's options.")
public final class Main implements Runnable {
    public static final int EXIT_USAGE = 2;

    /** The subcommands in usage order; each built only when the command line needs it. */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("help", CommandLine.HelpCommand::new);
        SUBCOMMANDS.put("agent", AgentCommand::new);
        SUBCOMMANDS.put("bgp", BgpCommand::new);
        SUBCOMMANDS.put("cni", CniCommand::new);
        SUBCOMMANDS.put("lab", LabCommand::new);
        SUBCOMMANDS.put("ctl", CtlCommand::new);
        SUBCOMMANDS.put("aot-train", AotTrainingCommand::new);
        SUBCOMMANDS.put("bfdd", BfddCommand::new);
        SUBCOMMANDS.put("kube-controllers", KubeControllersCommand::new);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            // what picocli would print, without building a command model (scripts ask for the version in loops)
            for (String line : new Version().getVersion()) {
                System.out.println(line);
            }
            System.exit(0);
        }
        if (args.length == 2 && args[0].equals("aot-train") && args[1].equals("--ctl")) {
            System.exit(AotTrainingCommand.trainShortcut()); // before picocli: that cache is for lines that skip it
        }
        if (args.length > 0 && args[0].equals("lab")) {
            LabCommand.reportUncaughtBriefly();
        }
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit code (used by tests too). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        OptionalInt shortcut = CtlShortcut.run(args, out, err);
        if (shortcut.isPresent()) {
            return shortcut.getAsInt();
        }
        CommandLine cl = commandLine(args);
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    /** The command line with every subcommand (usage, {@code help}, tests). */
    static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for {@code args}: with only the subcommand {@code args} names first (none for an option
     * such as {@code --version}), or with all of them when {@code args} is empty, starts with {@code help} or
     * names no known subcommand.
     */
    static CommandLine commandLine(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        addSubcommands(cl, SUBCOMMANDS, args, 0);
        CommandLine ctl = cl.getSubcommands().get("ctl");
        if (ctl != null) {
            addSubcommands(ctl, CtlCommand.SUBCOMMANDS, args.length > 0 && args[0].equals("ctl") ? args : new String[0], 1);
        }
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println(cmd.getCommandName() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        return cl;
    }

    /**
     * Adds to {@code cl} only the subcommand {@code args[at]} names (none for an option such as {@code --version}),
     * or all of them when there is no {@code args[at]}, it is {@code help}, {@code -h}/{@code --help} or no known
     * subcommand (usage and the unknown-command message list them all).
     */
    static void addSubcommands(CommandLine cl, Map<String, Supplier<Object>> subcommands, String[] args, int at) {
        String name = args.length > at ? args[at] : null;
        if (name != null && name.startsWith("-") && !name.equals("-h") && !name.equals("--help")) {
            // an option of this command (--version) or a usage error: no subcommand needed
        } else if (name != null && subcommands.containsKey(name) && !name.equals("help")) {
            cl.addSubcommand(name, subcommands.get(name).get());
        } else {
            subcommands.forEach((n, command) -> cl.addSubcommand(n, command.get()));
        }
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
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                // a jar that cannot be read: the version is "unknown", as when the resource is missing
            }
            return new String[] {"viaduct " + p.getProperty("version", "unknown")
                    + " (Java " + Runtime.version() + ")"};
        }
    }
}
