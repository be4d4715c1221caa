package dev.viaduct.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code viaduct bfdd}: the node's BFD daemon (see {@code dev.viaduct.bfd.daemon}). The agent starts it by
 * itself when it is not running; run it yourself (e.g. as its own systemd unit) to manage it separately.
 */
@Command(name = "bfdd", mixinStandardHelpOptions = true,
        description = {"Run the node's BFD daemon: the BFD sessions the agent asks for, in a process that outlives agent restarts.",
                "The agent starts it when nobody answers on its bfd.socket; SIGTERM stops it without AdminDown (peers see a failure)."})
final class BfddCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--socket", defaultValue = "/run/viaduct/bfdd.sock", paramLabel = "PATH",
            description = "Unix socket the agent talks to (the agent's bfd.socket; default: ${DEFAULT-VALUE}).")
    Path socket;

    @Option(names = "--detach", description = "Leave the caller's session (setsid), as the agent starts it: a signal to the agent's process group does not reach bfdd.")
    boolean detach;

    @Option(names = "--log-format", defaultValue = "keyvalue", paramLabel = "FORMAT", description = "keyvalue or json.")
    String logFormat;

    @Option(names = "--log-level", defaultValue = "info", paramLabel = "LEVEL", description = "debug, info, warning or error.")
    String logLevel;

    @Override
    public Integer call() {
        return BfddMain.run(socket, detach, logFormat, logLevel, spec.commandLine().getErr());
    }
}
