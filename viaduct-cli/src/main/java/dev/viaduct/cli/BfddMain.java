package dev.viaduct.cli;

import dev.viaduct.bfd.daemon.BfddProcess;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * bfdd's own entry point, without picocli: {@code BfddMain --socket PATH [--detach] [--log-format F] [--log-level L]},
 * the options of {@code viaduct bfdd} ({@link BfddCommand}, which runs {@link #run} too), or
 * {@code BfddMain --aot-train} for bfdd's AOT cache ({@link BfddTraining}). The agent starts bfdd
 * through it with a class path of only the jars bfdd needs ({@code BfdDaemonLauncher}): a daemon that lives as long
 * as its node should not pay for the CLI's command model (picocli's reflection over every option) and the
 * agent's libraries in resident memory — the JDK keeps each opened jar's central directory on the heap.
 */
public final class BfddMain {
    private BfddMain() {
    }

    public static void main(String[] args) throws java.io.IOException, InterruptedException {
        if (args.length == 1 && args[0].equals("--aot-train")) {
            LogSetup.install("keyvalue", "info");
            System.exit(BfddTraining.run());
        }
        PrintWriter err = new PrintWriter(System.err, true);
        Path socket = Path.of("/run/viaduct/bfdd.sock");
        boolean detach = false;
        String logFormat = "keyvalue";
        String logLevel = "info";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--detach")) {
                detach = true;
                continue;
            }
            // "--option value" or "--option=value", as picocli takes them (bin/viaduct runs `viaduct bfdd` here)
            int eq = a.indexOf('=');
            String name = eq > 0 ? a.substring(0, eq) : a;
            if (!List.of("--socket", "--log-format", "--log-level").contains(name) || (eq < 0 && i + 1 == args.length)) {
                err.println("usage: viaduct bfdd --socket PATH [--detach] [--log-format keyvalue|json] [--log-level LEVEL]"
                        + " (got '" + a + "'); see viaduct bfdd --help");
                System.exit(Main.EXIT_USAGE);
            }
            String v = eq > 0 ? a.substring(eq + 1) : args[++i];
            switch (name) {
                case "--socket" -> socket = Path.of(v);
                case "--log-format" -> logFormat = v;
                default -> logLevel = v;
            }
        }
        System.exit(run(socket, detach, logFormat, logLevel, err));
    }

    /** Checks the options, sets up logging, detaches if asked and serves until stopped; the exit code. */
    static int run(Path socket, boolean detach, String logFormat, String logLevel, PrintWriter err) {
        if (!socket.isAbsolute()) {
            err.println("viaduct bfdd: --socket must be an absolute path, got " + socket);
            return Main.EXIT_USAGE;
        }
        if (!logFormat.equals("keyvalue") && !logFormat.equals("json")) {
            err.println("viaduct bfdd: --log-format must be keyvalue or json, got " + logFormat);
            return Main.EXIT_USAGE;
        }
        if (!List.of("debug", "info", "warning", "error").contains(logLevel)) {
            err.println("viaduct bfdd: --log-level must be debug, info, warning or error, got " + logLevel);
            return Main.EXIT_USAGE;
        }
        LogSetup.install(logFormat, logLevel);
        if (detach) {
            BfddProcess.detachFromSession();
        }
        return BfddProcess.serve(socket.toAbsolutePath());
    }
}
