package dev.viaduct.bfd;

import dev.viaduct.bfd.packet.Diagnostic;
import dev.viaduct.bfd.packet.DiscardReason;
import dev.viaduct.bfd.session.SessionEvent;
import dev.viaduct.bfd.session.Timers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The node's BFD: single-hop sessions (RFC 5880 asynchronous mode over RFC 5881 UDP) that can be added and
 * removed at run time, with state changes pushed to subscribers and a status snapshot for metrics.
 *
 * <pre>{@code
 * try (BfdManager bfd = BfdManager.start(BfdManager.Options.defaults())) {
 *     SessionKey k = bfd.addSession(SessionConfig.builder(peerIp, localIp).build()); // 100 ms x 3
 *     bfd.subscribe(change -> {
 *         if (change.signal() == StateChange.ClientSignal.PATH_DOWN) { tearDownBgp(change.session().peer()); }
 *     });
 * }
 * }</pre>
 *
 * <p>Transport (RFC 5881): each session sends from its own UDP source port in 49152-65535 on its local
 * address, with TTL / Hop Limit 255, to the peer's port 3784; one receive socket per local address (and
 * interface) on port 3784 accepts only TTL 255. IPv4 and IPv6 both work; IPv6 link-local peers need the
 * interface. Sockets are opened by the manager's own thread, inside {@link Options#networkNamespace} when one
 * is given (a lab node), else in the namespace of the thread that called {@link #start}.
 *
 * <p>Removing a session, and closing the manager, first sends AdminDown (diagnostic 7) so peers treat it as
 * administrative rather than a failure (RFC 5882 §3.2); a crashed process sends nothing, and its peers detect
 * the failure.
 *
 * <p>Concurrency: every method is thread-safe. One platform thread (see {@link EventLoop}) owns all sessions
 * and sockets; methods queue a command to it and wait for the result (up to 10 s). Subscribers are called on
 * their own virtual thread each, in order.
 */
public final class BfdManager implements AutoCloseable {
    private final EventLoop loop;
    private final String name;
    private volatile boolean closed;

    /**
     * How to run a manager.
     *
     * @param name             for thread names and logs (e.g. the node name)
     * @param networkNamespace a namespace bind mount (e.g. {@code /run/netns/node1}) whose network the manager
     *                         works in; empty for the calling thread's
     * @param controlPlaneIndependent set the C bit in every packet (RFC 5880 §4.1): this BFD does not share fate
     *                         with the control plane (BGP) of its node, e.g. because it runs in its own process that
     *                         survives control-plane restarts; peers then need not keep our routes through a
     *                         graceful restart when BFD fails (RFC 5882 §4.3)
     */
    public record Options(String name, Optional<Path> networkNamespace, boolean controlPlaneIndependent) {
        public Options {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(networkNamespace, "networkNamespace");
        }

        public static Options defaults() {
            return new Options("bfd", Optional.empty(), false);
        }

        public Options named(String n) {
            return new Options(n, networkNamespace, controlPlaneIndependent);
        }

        public Options inNamespace(Path nsPath) {
            return new Options(name, Optional.of(nsPath), controlPlaneIndependent);
        }

        /** The same options with the C bit set or cleared. */
        public Options withControlPlaneIndependent(boolean c) {
            return new Options(name, networkNamespace, c);
        }
    }

    /** Stops delivering state changes to one subscriber. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private BfdManager(EventLoop loop, String name) {
        this.loop = loop;
        this.name = name;
    }

    /**
     * Starts a manager: its thread enters the namespace (if any) and waits for sessions.
     *
     * @throws BfdSocketException the namespace cannot be entered
     */
    public static BfdManager start(Options options) throws BfdSocketException {
        if (options.networkNamespace().isPresent() && !Files.exists(options.networkNamespace().get())) {
            throw new IllegalArgumentException("network namespace " + options.networkNamespace().get() + " does not exist");
        }
        EventLoop loop = new EventLoop(options.name(), options.networkNamespace(), options.controlPlaneIndependent());
        loop.start();
        return new BfdManager(loop, options.name());
    }

    /**
     * Adds a session and starts it (Down, sending once a second until the peer answers, RFC 5880 §6.8.3).
     *
     * @throws IllegalArgumentException a session with the same peer, local address and interface exists
     * @throws BfdSocketException       a socket could not be opened (the local address is not on this node,
     *                                  the interface does not exist, port 3784 is taken by another BFD
     *                                  daemon...); nothing is left behind
     */
    public SessionKey addSession(SessionConfig config) throws BfdSocketException {
        Objects.requireNonNull(config, "config");
        return loop.call(() -> loop.add(config));
    }

    /** Removes a session after sending AdminDown to the peer; false if there was none. */
    public boolean removeSession(SessionKey key) {
        return unchecked(() -> loop.remove(key));
    }

    /**
     * Takes a session administratively down (RFC 5880 §6.8.16): it sends AdminDown with diagnostic 7, the peer
     * goes Down without failing its clients (RFC 5882 §3.2), and packets from the peer are ignored until
     * {@link #adminUp}.
     */
    public void adminDown(SessionKey key) {
        unchecked(() -> {
            loop.event(key, new SessionEvent.AdminDown(Diagnostic.ADMINISTRATIVELY_DOWN));
            return null;
        });
    }

    /** Ends AdminDown: the session restarts from Down. */
    public void adminUp(SessionKey key) {
        unchecked(() -> {
            loop.event(key, SessionEvent.ADMIN_UP);
            return null;
        });
    }

    /** Changes a session's timers; while Up the change goes through a Poll Sequence (RFC 5880 §6.8.3). */
    public void reconfigure(SessionKey key, Timers timers) {
        Objects.requireNonNull(timers, "timers");
        unchecked(() -> {
            loop.event(key, new SessionEvent.Reconfigure(timers));
            return null;
        });
    }

    /** Delivers every future state change of every session to {@code listener}, in order, on its own thread. */
    public Subscription subscribe(Consumer<StateChange> listener) {
        return loop.subscribe(Objects.requireNonNull(listener));
    }

    /** A snapshot of every session. */
    public List<SessionStatus> sessions() {
        return unchecked(loop::statuses);
    }

    public Optional<SessionStatus> session(SessionKey key) {
        return unchecked(() -> loop.status(key));
    }

    /** Received packets that could not be attributed to any session, by reason (e.g. NO_SESSION). */
    public Map<DiscardReason, Long> unmatchedDiscards() {
        return unchecked(loop::unmatched);
    }

    public String name() {
        return name;
    }

    /** Removes every session (each sends AdminDown) and stops the thread. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.shutdown();
    }

    private <T> T unchecked(java.util.concurrent.Callable<T> task) {
        try {
            return loop.call(task);
        } catch (BfdSocketException e) {
            throw new IllegalStateException(e);
        }
    }
}
