package dev.viaduct.bfd.daemon;

import dev.viaduct.bfd.BfdManager;
import dev.viaduct.bfd.BfdSocketException;
import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * The bfdd process: {@code viaduct bfdd --socket PATH [--detach]} runs {@link #serve}, also when the agent starts
 * it (the agent's {@code BfdDaemonLauncher}). Exit codes: 0 stopped on request or SIGTERM, 1 could not start
 * (another daemon holds the socket).
 *
 * <p>SIGTERM stops the daemon <em>without</em> AdminDown: a node shutting down stops forwarding, and its peers
 * must see a failure and withdraw its routes at once; AdminDown would tell them to ignore BFD (RFC 5882 §3.2).
 * To switch BFD off deliberately, send the protocol's {@code Shutdown} with {@code adminDown}.
 */
public final class BfddProcess {
    private static final System.Logger LOG = System.getLogger("viaduct.bfdd");

    private BfddProcess() {
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
    public static void detachFromSession() {
        try (Arena arena = Arena.ofConfined()) {
            int sid = Libc.setsid(Libc.newCallState(arena));
            LOG.log(System.Logger.Level.DEBUG, "bfdd detached sid={0}", sid);
        } catch (ErrnoException e) {
            LOG.log(System.Logger.Level.WARNING, "bfdd could not detach (setsid): {0}", e.getMessage());
        }
    }
}
