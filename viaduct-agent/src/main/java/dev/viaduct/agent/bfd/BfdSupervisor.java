package dev.viaduct.agent.bfd;

import dev.viaduct.bfd.daemon.client.BfdDaemonLauncher;
import dev.viaduct.bfd.daemon.client.BfddLink;
import dev.viaduct.agent.bfd.BfdPeers.Peer;
import dev.viaduct.agent.node.Uplink;
import dev.viaduct.agent.ops.AgentMetrics;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Event;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.SessionView;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Status;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Welcome;
import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.session.Timers;
import dev.viaduct.sys.log.Log;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * BFD for the agent: decides which peers get a session, keeps bfdd running and told, and turns BFD's verdicts
 * into the set of peers whose path is down, for the route sources to act on.
 *
 * <ul>
 *   <li>Input: the complete list of peers that want BFD ({@link #setPeers}: the agent feeds every other node in
 *       host-gw mode, the BGP peers with BFD on in BGP mode), planned by {@link BfdPeers} (single-hop: connected
 *       peers only). The supervisor knows nothing of the route sources: it never calls back into them.
 *   <li>bfdd ({@link BfddLink}): started when nobody answers on the socket, told the wanted sessions after every
 *       (re)connection; its Welcome says which sessions are path-down right now, so a restarted agent starts
 *       from the truth instead of from "everything is fine".
 *   <li>Output: {@link PathDown} changes to the listeners of {@link #onPathDown} (the agent wires host-gw and
 *       BGP there). A peer is path-down from the moment bfdd reports the failure until its session is Up again,
 *       the peer says AdminDown (it is alive and switched BFD off), or it no longer wants BFD. If bfdd itself is replaced, what the old daemon knew to be down stays down until the
 *       new daemon's session comes Up (a fresh session starts Down and would otherwise look healthy).
 * </ul>
 *
 * <p>Concurrency: one owner thread (a virtual thread, {@code bfd-supervisor}) handles every input — peer lists,
 * the daemon's messages — and calls the listeners, so path-down changes reach the route sources in order.
 * Readers (status, metrics) get immutable snapshots through volatile fields.
 */
public final class BfdSupervisor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.bfd");
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration REFRESH = Duration.ofSeconds(10);

    /** The path-down set changed. */
    public record PathDown(Set<Peer> down, Set<Peer> newlyDown, String reason) {
        public PathDown {
            down = Set.copyOf(down);
            newlyDown = Set.copyOf(newlyDown);
        }

        /** Addresses of the path-down peers. */
        public Set<InetAddress> addresses() {
            Set<InetAddress> s = new LinkedHashSet<>();
            down.forEach(p -> s.add(p.address()));
            return s;
        }

        /** Names of the path-down peers (node names in host-gw mode). */
        public Set<String> names() {
            Set<String> s = new LinkedHashSet<>();
            down.forEach(p -> s.add(p.name()));
            return s;
        }
    }

    private final Path socket;
    private final Timers timers;
    private final Supplier<Uplink> uplink;
    private final BfddLink link;
    private final ExecutorService owner = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("bfd-supervisor").factory());
    private final List<Consumer<PathDown>> listeners = new CopyOnWriteArrayList<>();
    private final Thread refresher;
    private final AtomicLong pathDownEvents = new AtomicLong();
    private volatile boolean closed;

    // ---- owned by the owner thread
    private List<Peer> peers = List.of();
    private boolean peersKnown;
    private Set<InetAddress> wanted = Set.of();
    private final Map<InetAddress, Peer> down = new LinkedHashMap<>();
    private final Map<InetAddress, SessionView> views = new LinkedHashMap<>();
    private Welcome daemon;

    // ---- snapshots for readers
    private volatile Set<Peer> downSnapshot = Set.of();
    private volatile List<SessionView> viewSnapshot = List.of();
    private volatile SortedMap<String, String> skipped = new TreeMap<>();
    private volatile long discarded;

    BfdSupervisor(Path socket, Timers timers, Supplier<Uplink> uplink, String node, Optional<BfddLink.DaemonStarter> starter) {
        this.socket = socket;
        this.timers = timers;
        this.uplink = uplink;
        this.link = new BfddLink(socket, "agent " + node + " pid " + ProcessHandle.current().pid(), starter, new BfddLink.Handler() {
            @Override
            public void welcome(Welcome w) {
                post(() -> onWelcome(w));
            }

            @Override
            public void event(Event e) {
                post(() -> onEvent(e));
            }

            @Override
            public void status(Status s) {
                post(() -> onStatus(s));
            }

            @Override
            public void lost(String why) {
                post(() -> viewSnapshot = List.of());
            }
        });
        this.refresher = Thread.ofVirtual().name("bfd-status").unstarted(this::refreshLoop);
    }

    /**
     * Starts supervising: connects to bfdd on {@code socket}; when nobody answers, a managed daemon is started
     * (detached, in this process's network namespace), an external one (its own container or unit) is waited
     * for.
     *
     * @param logFormat the daemon's log format ({@code keyvalue} or {@code json}), like the agent's
     */
    public static BfdSupervisor start(String node, Path socket, Timers timers, Supplier<Uplink> uplink, boolean managed,
            String logFormat, String logLevel) {
        BfdSupervisor s = new BfdSupervisor(socket, timers, uplink, node,
                managed ? Optional.of(new BfdDaemonLauncher(socket, logFormat, logLevel)) : Optional.empty());
        s.start();
        return s;
    }

    void start() {
        link.start();
        refresher.start();
        LOG.log(System.Logger.Level.INFO, "bfd supervisor started socket={0} txMs={1} mult={2}", socket,
                timers.desiredMinTx().toMillis(), timers.detectMultiplier());
    }

    /**
     * With BFD switched off in the config: if a bfdd from an earlier run still answers on {@code socket}, it is
     * told to take its sessions administratively down and exit, so peers stop expecting our packets without
     * treating it as a failure (RFC 5882 §3.2). Best effort; returns whether a daemon was stopped.
     */
    public static boolean stopDaemonIfRunning(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        BfddLink l = new BfddLink(socket, "agent (bfd disabled)", Optional.empty(), new BfddLink.Handler() {
            @Override
            public void welcome(Welcome w) {
            }

            @Override
            public void event(Event e) {
            }

            @Override
            public void status(Status s) {
            }

            @Override
            public void lost(String why) {
            }
        });
        try {
            l.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (!l.connected() && System.nanoTime() < deadline) {
                Thread.sleep(20); // waiting for a connection with a deadline (no event to wait on)
            }
            boolean stopped = l.connected() && l.shutdownDaemon(true, Duration.ofSeconds(3));
            if (stopped) {
                LOG.log(System.Logger.Level.INFO, "bfd disabled: stopped the running bfdd on {0} (AdminDown sent)", socket);
            }
            return stopped;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            l.close();
        }
    }

    // ------------------------------------------------------------------ inputs

    /** The peers that want BFD now (the complete list). */
    public void setPeers(List<Peer> wantBfd) {
        List<Peer> copy = List.copyOf(wantBfd);
        post(() -> onPeers(copy));
    }

    /**
     * Called on the owner thread with every change of the path-down set, in order. Listeners act on their own
     * objects (a route source) and must not block.
     */
    public void onPathDown(Consumer<PathDown> l) {
        listeners.add(l);
    }

    private void post(Runnable r) {
        if (closed) {
            return;
        }
        try {
            owner.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "bfd supervisor event failed: " + e, e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    // ------------------------------------------------------------------ the owner thread

    private void onPeers(List<Peer> p) {
        peers = p;
        peersKnown = true;
        Uplink u = uplink.get();
        BfdPeers.Plan plan = BfdPeers.plan(p, u.addresses(), u.device(), timers);
        for (var e : plan.skipped().entrySet()) {
            if (!e.getValue().equals(skipped.get(e.getKey()))) {
                LOG.log(System.Logger.Level.WARNING, "bfd peer without session peer={0} reason=\"{1}\"", e.getKey(), e.getValue());
            }
        }
        skipped = new TreeMap<>(plan.skipped());
        Set<InetAddress> w = new LinkedHashSet<>();
        plan.sessions().forEach(s -> w.add(s.peer()));
        wanted = w;
        link.desired(plan.sessions());
        List<Peer> recovered = new ArrayList<>();
        for (var it = down.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            if (!w.contains(e.getKey())) {
                recovered.add(e.getValue());
                it.remove();
            }
        }
        views.keySet().retainAll(w);
        viewSnapshot = List.copyOf(views.values());
        if (!recovered.isEmpty()) {
            publish(Set.of(), "no longer a BFD peer: " + recovered);
        }
    }

    private Peer peerFor(SessionView v) {
        for (Peer p : peers) {
            if (p.address().equals(v.peer())) {
                return p;
            }
        }
        return new Peer(v.name(), v.peer());
    }

    private void onWelcome(Welcome w) {
        boolean sameDaemon = daemon != null && daemon.pid() == w.pid() && daemon.startedAt().equals(w.startedAt());
        boolean replaced = daemon != null && !sameDaemon;
        daemon = w;
        Map<InetAddress, Peer> next = new LinkedHashMap<>();
        if (replaced) {
            // a new daemon's sessions start Down and look healthy: keep what the old one knew until they are Up
            next.putAll(down);
        }
        Set<Peer> newly = new LinkedHashSet<>();
        views.clear();
        for (SessionView v : w.sessions()) {
            views.put(v.peer(), v);
            if (v.pathDown() && (!peersKnown || wanted.contains(v.peer()))) {
                Peer p = peerFor(v);
                if (next.put(v.peer(), p) == null && !down.containsKey(v.peer())) {
                    newly.add(p);
                }
            } else if (next.containsKey(v.peer()) && healthy(v)) {
                next.remove(v.peer());
            }
        }
        viewSnapshot = List.copyOf(views.values());
        if (!next.keySet().equals(down.keySet())) {
            down.clear();
            down.putAll(next);
            pathDownEvents.addAndGet(newly.size());
            publish(newly, "bfdd pid " + w.pid() + " reports the path down");
        }
    }

    /** Up, or the peer switched BFD off (it is alive: RFC 5882 §3.2). */
    private static boolean healthy(SessionView v) {
        return !v.pathDown() && (v.state() == BfdState.UP || v.remoteState() == BfdState.ADMIN_DOWN);
    }

    private void onEvent(Event e) {
        SessionView v = e.session();
        if (peersKnown && !wanted.contains(v.peer())) {
            return; // a session we no longer want, reported before the daemon applied our set
        }
        views.put(v.peer(), v);
        viewSnapshot = List.copyOf(views.values());
        if (v.pathDown() && !down.containsKey(v.peer())) {
            Peer p = peerFor(v);
            down.put(v.peer(), p);
            pathDownEvents.incrementAndGet();
            Log.warn(LOG, "bfd path down", "peer", p.name(), "address", v.peer(), "from", e.from(), "to", e.to(),
                    "diag", e.diagnostic());
            publish(Set.of(p), "BFD " + e.from() + "->" + e.to() + " (" + e.diagnostic() + ")");
        } else if (down.containsKey(v.peer()) && (e.to() == BfdState.UP || v.remoteState() == BfdState.ADMIN_DOWN) && !v.pathDown()) {
            Peer p = down.remove(v.peer());
            Log.info(LOG, "bfd path up again", "peer", p.name(), "address", v.peer(), "state", e.to());
            publish(Set.of(), "BFD " + e.to());
        }
    }

    private void onStatus(Status s) {
        views.clear();
        long d = s.unmatchedDiscards();
        for (SessionView v : s.sessions()) {
            views.put(v.peer(), v);
            d += v.discarded();
        }
        discarded = d;
        viewSnapshot = List.copyOf(views.values());
    }

    private void publish(Set<Peer> newlyDown, String reason) {
        downSnapshot = Set.copyOf(down.values());
        PathDown change = new PathDown(downSnapshot, newlyDown, reason);
        for (Consumer<PathDown> l : listeners) {
            try {
                l.accept(change);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.ERROR, "bfd path-down listener failed: " + ex, ex);
            }
        }
    }

    private void refreshLoop() {
        while (!closed) {
            try {
                Thread.sleep(REFRESH); // a periodic poll for counters, not synchronisation
            } catch (InterruptedException e) {
                return;
            }
            link.status(STATUS_TIMEOUT); // the reply reaches onStatus through the link's handler
        }
    }

    // ------------------------------------------------------------------ outputs

    /** Peers whose path BFD declared down. */
    public Set<Peer> pathDown() {
        return downSnapshot;
    }

    /** Every session, fresh from bfdd when it answers within a second, else as last seen. */
    public List<SessionView> sessions() {
        Optional<Status> s = link.status(STATUS_TIMEOUT);
        return s.map(Status::sessions).orElse(viewSnapshot);
    }

    /** Peers that want BFD but get no session, with why. */
    public SortedMap<String, String> skipped() {
        return skipped;
    }

    public boolean daemonConnected() {
        return link.connected();
    }

    /**
     * Since when (System.nanoTime) the agent has been without bfdd: neither connected nor able to start one (the
     * link retries both). For liveness: without bfdd no path failure is detected, and BFD peers see this node down.
     */
    public java.util.OptionalLong daemonLostSince() {
        return link.disconnectedSince();
    }

    /**
     * Adds {@code bfd} (one object per session: {@code peer, name, state, remoteState, txIntervalMs, rxIntervalMs,
     * detectMs, lastStateChange, packetsIn, packetsOut, discarded}, plus {@code local}, {@code pathDown} and, when
     * the session cannot start, {@code error}), {@code bfdDaemon} and {@code bfdSkipped} to the agent's /status.
     * With BFD off ({@code s} null) the list is empty and {@code bfdDaemon.enabled} false.
     */
    public static void writeStatus(ObjectNode o, BfdSupervisor s) {
        ArrayNode a = o.putArray("bfd");
        ObjectNode d = o.putObject("bfdDaemon");
        ObjectNode sk = o.putObject("bfdSkipped");
        d.put("enabled", s != null);
        if (s == null) {
            return;
        }
        List<SessionView> views = new ArrayList<>(s.sessions());
        views.sort(java.util.Comparator.comparing(SessionView::name));
        Set<InetAddress> down = new LinkedHashSet<>();
        s.pathDown().forEach(p -> down.add(p.address()));
        for (SessionView v : views) {
            ObjectNode e = a.addObject();
            e.put("peer", v.peer().getHostAddress());
            e.put("name", v.name());
            e.put("state", v.state().name());
            e.put("remoteState", v.remoteState().name());
            e.put("txIntervalMs", v.txInterval().toMillis());
            e.put("rxIntervalMs", v.rxInterval().toMillis());
            e.put("detectMs", v.detectTime().toMillis());
            e.put("lastStateChange", v.lastStateChange().toString());
            e.put("packetsIn", v.packetsIn());
            e.put("packetsOut", v.packetsOut());
            e.put("discarded", v.discarded());
            e.put("local", v.local().getHostAddress());
            e.put("pathDown", down.contains(v.peer()));
            v.error().ifPresent(x -> e.put("error", x));
        }
        d.put("socket", s.socket.toString());
        d.put("connected", s.link.connected());
        s.link.daemon().ifPresent(w -> {
            d.put("pid", w.pid());
            d.put("startedAt", w.startedAt().toString());
        });
        if (!s.link.connected()) {
            d.put("error", s.link.lastError());
        }
        s.skipped().forEach(sk::put);
    }

    /** BFD metrics: sessions by state, path-down events, discarded packets, daemon connection, skipped peers. */
    public void registerMetrics(AgentMetrics m) {
        m.labelledGauge("viaduct_bfd_sessions", "BFD sessions by state (as bfdd last reported them)", List.of("state"), () -> {
            Map<List<String>, Double> out = new HashMap<>();
            for (BfdState st : BfdState.values()) {
                out.put(List.of(st.name()), 0.0);
            }
            for (SessionView v : viewSnapshot) {
                out.merge(List.of(v.state().name()), 1.0, Double::sum);
            }
            return out;
        });
        m.counter("viaduct_bfd_path_down_events", "Peers BFD declared path-down (their routes were withdrawn at once)",
                () -> pathDownEvents.get());
        m.gauge("viaduct_bfd_path_down_peers", "Peers currently path-down (routes withheld until BFD is Up)",
                () -> downSnapshot.size());
        m.counter("viaduct_bfd_discarded_packets", "Received BFD packets discarded by the RFC 5880 6.8.6 checks (bfdd's count)",
                () -> discarded);
        m.gauge("viaduct_bfd_daemon_connected", "1 when the agent is connected to bfdd", () -> link.connected() ? 1 : 0);
        m.gauge("viaduct_bfd_peers_skipped", "Peers that want BFD but are not directly connected (no single-hop session)",
                () -> skipped.size());
    }

    /** Disconnects from bfdd, which keeps running with its sessions (an agent restart must not look like a failure). */
    @Override
    public void close() {
        closed = true;
        refresher.interrupt();
        link.close();
        owner.shutdown();
        try {
            owner.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
