package dev.viaduct.bfd.daemon;

import dev.viaduct.sys.log.LogSetup;
import dev.viaduct.bfd.BfdManager;
import dev.viaduct.bfd.BfdSocketException;
import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;

/**
 * The bfdd process: {@code viaduct bfdd} runs {@link #serve}; the agent starts the same code as
 * {@code java ... dev.viaduct.bfd.daemon.BfdDaemonMain --socket PATH --detach} (the agent's {@code BfdDaemonLauncher}).
 * Exit codes: 0 stopped on request or SIGTERM, 1 could not start (another daemon holds the socket), 2 bad usage.
 *
 * <p>SIGTERM stops the daemon <em>without</em> AdminDown: a node shutting down stops forwarding, and its peers
 * must see a failure and withdraw its routes at once; AdminDown would tell them to ignore BFD (RFC 5882 §3.2).
 * To switch BFD off deliberately, send the protocol's {@code Shutdown} with {@code adminDown}.
 */
public final class BfdDaemonMain {
    private static final System.Logger LOG = System.getLogger("viaduct.bfdd");

    private BfdDaemonMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        Path socket = null;
        boolean detach = false;
        String format = "keyvalue";
        String level = "info";
        List<String> a = List.of(args);
        for (int i = 0; i < a.size(); i++) {
            String arg = a.get(i);
            boolean hasValue = i + 1 < a.size();
            switch (arg) {
                case "--socket" -> {
                    if (!hasValue) {
                        return usage("--socket needs a path");
                    }
                    socket = Path.of(a.get(++i));
                }
                case "--log-format" -> {
                    if (!hasValue || !List.of("keyvalue", "json").contains(a.get(i + 1))) {
                        return usage("--log-format must be keyvalue or json");
                    }
                    format = a.get(++i);
                }
                case "--log-level" -> {
                    if (!hasValue || !List.of("debug", "info", "warning", "error").contains(a.get(i + 1))) {
                        return usage("--log-level must be debug, info, warning or error");
                    }
                    level = a.get(++i);
                }
                case "--detach" -> detach = true;
                default -> {
                    return usage("unknown argument '" + arg + "'");
                }
            }
        }
        if (socket == null || !socket.isAbsolute()) {
            return usage("--socket PATH (absolute) is required");
        }
        LogSetup.install(format, level);
        if (detach) {
            detachFromSession();
        }
        return serve(socket);
    }

    private static int usage(String problem) {
        System.err.println("bfdd: " + problem + " (usage: --socket PATH [--detach] [--log-format keyvalue|json] [--log-level LEVEL])");
        return 2;
    }

    /**
     * Runs bfdd on {@code socket} until a {@code Shutdown} request or SIGTERM; returns the exit code. Packets carry
     * the C bit: this process does not share fate with the agent's BGP (RFC 5880 §4.1).
     */
    public static int serve(Path socket) {
        BfdManager manager;
        try {
            manager = BfdManager.start(BfdManager.Options.defaults().named("bfdd").withControlPlaneIndependent(true));
        } catch (BfdSocketException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "bfdd cannot start its BFD engine: {0}", e.getMessage());
            return 1;
        }
        BfdDaemon daemon;
        try {
            daemon = BfdDaemon.start(BfdDaemon.Options.of(socket), BfdEngine.of(manager));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "bfdd cannot serve {0}: {1}", socket, e.getMessage());
            manager.close();
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "bfdd-shutdown"));
        try {
            daemon.awaitStop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * setsid(2): a daemon the agent started must not share the agent's session or process group, so a Ctrl-C or
     * a signal to the agent's group does not reach it. Fails harmlessly when already a group leader.
     */
    private static void detachFromSession() {
        try (Arena arena = Arena.ofConfined()) {
            int sid = Libc.setsid(Libc.newCallState(arena));
            LOG.log(System.Logger.Level.DEBUG, "bfdd detached sid={0}", sid);
        } catch (ErrnoException e) {
            LOG.log(System.Logger.Level.WARNING, "bfdd could not detach (setsid): {0}", e.getMessage());
        }
    }
}
