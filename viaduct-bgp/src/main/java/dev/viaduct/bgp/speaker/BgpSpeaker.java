package dev.viaduct.bgp.speaker;

import dev.viaduct.bgp.rib.BestPathChange;
import dev.viaduct.bgp.rib.LocalRoute;
import dev.viaduct.bgp.rib.NextHopResolver;
import dev.viaduct.bgp.rib.Rib;
import dev.viaduct.bgp.rib.RibPeer;
import dev.viaduct.bgp.rib.RibRoute;
import dev.viaduct.bgp.rib.RouteQuery;
import dev.viaduct.bgp.wire.ErrorCodes;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.log.Log;
import dev.viaduct.sys.net.IpPrefix;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A BGP-4 speaker: the library entry point for the node agent and the standalone {@code viaduct bgp}.
 *
 * <pre>{@code
 * BgpSpeaker s = BgpSpeaker.start(SpeakerConfig.builder(64512, routerId).listen(new InetSocketAddress(addr, 179))
 *         .peer(PeerConfig.builder(peerAddr, 64512).build()).build());
 * s.subscribe(changes -> kernel.program(changes));   // ECMP next hops per prefix, or withdrawals
 * s.originate(LocalRoute.of(IpPrefix.parse("10.244.3.0/26")));
 * }</pre>
 *
 * <p>Concurrency: every public method is thread-safe. Inside, one virtual thread per connection reads and
 * one writes (blocking I/O), one per peer runs its timers; one platform thread owns the RIB
 * ({@link RibOwner}); each subscriber gets its own delivery thread so a slow consumer (kernel programming)
 * never stalls the RIB. Peer sessions are guarded by one lock each.
 */
public final class BgpSpeaker implements AutoCloseable {
    private static final Logger LOG = System.getLogger(BgpSpeaker.class.getName());

    /** A peer changed FSM state (for logs, metrics and the agent's status). */
    public record PeerStateChange(String peer, InetAddress address, String from, String to, String cause) {
    }

    /** Cancels a best-path subscription. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private final SpeakerConfig config;
    private final Transport transport;
    private final LongSupplier clock;
    private final RibOwner rib;
    private final Map<InetAddress, PeerSession> peers = new ConcurrentHashMap<>();
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final List<Consumer<PeerStateChange>> stateListeners = new CopyOnWriteArrayList<>();
    private final Transport.Listener listener;
    private volatile boolean closed;
    private static final long REFUSAL_LOG_INTERVAL = TimeUnit.MINUTES.toNanos(1);
    /** When a refused connection from each address was last logged (accept thread only; bounded). */
    private final Map<InetAddress, Long> refusalsLogged = new ConcurrentHashMap<>();
    /** The warm-up's speakers log at DEBUG what others log at INFO: an operator must not see them. */
    private final boolean quiet;

    private BgpSpeaker(SpeakerConfig config, Transport transport, NextHopResolver resolver, LongSupplier clock, boolean quiet)
            throws IOException {
        this.config = config;
        this.quiet = quiet;
        this.transport = transport;
        this.clock = clock;
        SpeakerConfig.GracefulRestart gr = config.gracefulRestart();
        int routerId = PeerSession.ipv4(config.routerId().getAddress());
        int clusterId = config.clusterId() == null ? routerId : PeerSession.ipv4(config.clusterId().getAddress());
        Rib r = new Rib(new Rib.Settings(config.asn(), routerId, clusterId, config.multipath(), config.defaultLocalPref(),
                gr == null ? 360 : gr.stalePathSeconds()), resolver, this::dispatch);
        r.enableEvents(false); // until the first subscriber
        config.expectedRoutes().forEach(r::expectRoutes);
        if (gr != null && gr.restarting() && gr.selectionDeferralSeconds() > 0) {
            r.deferSelection(clock.getAsLong() + TimeUnit.SECONDS.toNanos(gr.selectionDeferralSeconds()));
        }
        this.rib = new RibOwner(r, clock);
        for (LocalRoute route : config.routes()) {
            rib.post(x -> x.originate(route));
        }
        Transport.Listener l = null;
        if (config.listen() != null) {
            try {
                l = transport.listen(config.listen());
            } catch (IOException e) {
                rib.stop();
                throw new IOException("listen on " + config.listen() + ": " + e.getMessage(), e);
            }
        }
        this.listener = l;
        LOG.log(info(), "event=speaker-started as={0} router-id={1} listen={2}", Long.toString(config.asn()),
                config.routerId().getHostAddress(), l == null ? "none" : l.localAddress());
    }

    /** Starts a speaker with plain sockets, every next hop reachable, and the system clock. */
    public static BgpSpeaker start(SpeakerConfig config) throws IOException {
        return start(config, SocketTransport.INSTANCE, NextHopResolver.ALL_REACHABLE, System::nanoTime);
    }

    /**
     * Starts a speaker with its seams: the transport (e.g. with TCP MD5, or in a namespace), the next-hop
     * resolver (the kernel's routing table), and the clock.
     */
    public static BgpSpeaker start(SpeakerConfig config, Transport transport, NextHopResolver resolver, LongSupplier clock) throws IOException {
        JitWarmup.once(config.jitWarmupRoutes());
        return start(config, transport, resolver, clock, false);
    }

    static BgpSpeaker start(SpeakerConfig config, Transport transport, NextHopResolver resolver, LongSupplier clock, boolean quiet)
            throws IOException {
        BgpSpeaker s = new BgpSpeaker(config, transport, resolver, clock, quiet);
        for (PeerConfig p : config.peers()) {
            s.addPeer(p);
        }
        s.rib.post(r -> r.peersConfigured(clock.getAsLong())); // a selection deferral may now end on End-of-RIB
        // accept only once the configured peers exist, so an early connection is not refused as unknown
        if (s.listener != null) {
            Thread.ofVirtual().name("bgp-accept").start(() -> s.acceptLoop(s.listener));
        }
        return s;
    }

    Level info() {
        return quiet ? Level.DEBUG : Level.INFO;
    }

    public SpeakerConfig config() {
        return config;
    }

    Transport transport() {
        return transport;
    }

    /**
     * Since when (System.nanoTime, or the clock the speaker was started with) the thread that owns the RIB has
     * been busy with one batch of work or gone; empty while it waits for work. For liveness probes.
     */
    public java.util.OptionalLong ribStalledSince() {
        return rib.stalledSince();
    }

    LongSupplier clock() {
        return clock;
    }

    RibOwner rib() {
        return rib;
    }

    /** Where the speaker accepts connections (the actual port when configured with 0), or null. */
    public InetSocketAddress listenAddress() {
        return listener == null ? null : listener.localAddress();
    }

    // ------------------------------------------------------------------ peers

    /** Adds a peer and starts its FSM. Throws IllegalArgumentException if it exists or cannot be served. */
    public void addPeer(PeerConfig p) {
        if (closed) {
            throw new IllegalStateException("speaker is closed");
        }
        if (p.password() != null && !transport.supportsMd5()) {
            throw new IllegalArgumentException("peer " + p.name() + ": password: TCP MD5 (RFC 2385) needs a Transport with TCP_MD5SIG support; "
                    + transport.getClass().getSimpleName() + " has none");
        }
        if (p.password() != null && listener != null) {
            try {
                listener.setPassword(p.address(), p.password());
            } catch (IOException e) {
                throw new IllegalArgumentException("peer " + p.name() + ": password: " + e.getMessage(), e);
            }
        }
        RibPeer.Settings rs = new RibPeer.Settings(p.name(), p.asn(), p.rrClient(), p.nextHopSelf(), p.importPolicy(),
                p.exportPolicy(), p.nextHopV4(), p.nextHopV6(), p.localRoutesOnly());
        synchronized (peers) {
            if (peers.containsKey(p.address())) {
                throw new IllegalArgumentException("peer " + p.address().getHostAddress() + " already exists");
            }
            RibPeer rp = rib.call(r -> r.addPeer(rs));
            PeerSession s = new PeerSession(this, p, rp);
            peers.put(p.address(), s);
            s.start();
        }
        Log.at(LOG, info(), "peer added", "peer", p.name(), "address", p.address(), "as", p.asn(),
                "passive", p.passive(), "rr-client", p.rrClient());
    }

    /** Removes a peer: Cease "Peer De-configured" (RFC 4486), its routes withdrawn everywhere. */
    public boolean removePeer(InetAddress address) {
        PeerSession s;
        synchronized (peers) {
            s = peers.remove(address);
        }
        if (s == null) {
            return false;
        }
        s.stop(ErrorCodes.CEASE_PEER_DECONFIGURED, "peer removed");
        if (listener != null && s.cfg.password() != null) {
            try {
                listener.setPassword(address, null); // a re-added peer without a password must get in
            } catch (IOException e) {
                LOG.log(Level.WARNING, "event=md5-key-not-cleared peer={0} {1}", s.cfg.name(), e.getMessage());
            }
        }
        long now = clock.getAsLong();
        rib.post(r -> r.removePeer(s.ribPeer, now));
        Log.at(LOG, info(), "peer removed", "peer", s.cfg.name());
        return true;
    }

    /**
     * Takes a peer's session down now and drops its routes without graceful-restart retention, as when BFD
     * declares the path dead (RFC 5882 §3.2); the session re-establishes on its own afterwards.
     */
    public boolean peerDown(InetAddress address, String reason) {
        PeerSession s = peers.get(address);
        if (s == null) {
            return false;
        }
        Log.at(LOG, info(), "peer hard down", "peer", s.cfg.name(), "reason", reason);
        s.hardDown(reason);
        return true;
    }

    /** Asks the peer to send its routes of {@code family} again (RFC 2918); false if it cannot. */
    public boolean requestRouteRefresh(InetAddress address, Family family) {
        PeerSession s = peers.get(address);
        return s != null && s.requestRefresh(family);
    }

    public List<PeerStatus> peers() {
        List<PeerStatus> out = new ArrayList<>();
        for (PeerSession s : peers.values()) {
            out.add(s.status());
        }
        out.sort(Comparator.comparing(PeerStatus::name));
        return out;
    }

    public Optional<PeerStatus> peer(InetAddress address) {
        PeerSession s = peers.get(address);
        return s == null ? Optional.empty() : Optional.of(s.status());
    }

    /** Called on every FSM transition of a peer's session. Runs under the peer's lock: keep it short. */
    public void onPeerStateChange(Consumer<PeerStateChange> l) {
        stateListeners.add(l);
    }

    void peerStateChanged(PeerSession s, String from, String to, String cause) {
        PeerStateChange c = new PeerStateChange(s.cfg.name(), s.cfg.address(), from, to, cause);
        for (Consumer<PeerStateChange> l : stateListeners) {
            try {
                l.accept(c);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "event=state-listener-failed", e);
            }
        }
    }

    // ------------------------------------------------------------------ routes

    /** Originates (or replaces) a route; announced to every peer whose policy allows it. */
    public void originate(LocalRoute route) {
        rib.post(r -> r.originate(route));
    }

    public void originate(IpPrefix prefix) {
        originate(LocalRoute.of(prefix));
    }

    /** Stops originating a route. */
    public void withdraw(IpPrefix prefix) {
        rib.post(r -> r.withdrawLocal(prefix));
    }

    /** The resolver's answers changed (kernel routes to next hops came or went): re-run the decision. */
    public void nextHopsChanged() {
        rib.post(Rib::reresolveNextHops);
    }

    /**
     * Subscribes to best-path changes. The first batch is the current state of every reachable prefix;
     * later batches carry changes, in order. Delivery runs on the subscription's own virtual thread.
     */
    public Subscription subscribe(Consumer<List<BestPathChange>> consumer) {
        Subscriber s = new Subscriber(consumer);
        rib.post(r -> {
            r.enableEvents(true);
            s.queue.add(r.bestPaths());
            subscribers.add(s);
        });
        return () -> {
            subscribers.remove(s);
            s.thread.interrupt();
            rib.post(r -> r.enableEvents(!subscribers.isEmpty()));
        };
    }

    private void dispatch(List<BestPathChange> changes) {
        for (Subscriber s : subscribers) {
            s.queue.add(changes);
        }
    }

    private static final class Subscriber {
        final LinkedBlockingQueue<List<BestPathChange>> queue = new LinkedBlockingQueue<>();
        final Thread thread;

        Subscriber(Consumer<List<BestPathChange>> consumer) {
            thread = Thread.ofVirtual().name("bgp-subscriber").start(() -> {
                try {
                    while (true) {
                        List<BestPathChange> batch = queue.take();
                        try {
                            consumer.accept(batch);
                        } catch (RuntimeException e) {
                            LOG.log(Level.WARNING, "event=subscriber-failed", e);
                        }
                    }
                } catch (InterruptedException e) {
                    // unsubscribed
                }
            });
        }
    }

    // ------------------------------------------------------------------ snapshots

    /** Every Loc-RIB candidate of a family, best paths flagged. */
    public List<RibRoute> locRib(Family f) {
        return rib.call(r -> r.locRib(f));
    }

    /**
     * Phase one of a route query (see {@link RouteQuery}): one walk of the Loc-RIB's keys on the RIB thread,
     * a few milliseconds per million prefixes.
     */
    public RouteQuery.Match matchRoutes(RouteQuery q) {
        return rib.call(r -> r.match(q));
    }

    /** Phase two: the routes of matched prefixes {@code [from, to)}; ask in chunks so the RIB thread is never held long. */
    public List<RibRoute> routesAt(RouteQuery.Match m, int from, int to) {
        return rib.call(r -> r.routesAt(m, from, to));
    }

    /** Whether route selection is still deferred after our restart (RFC 4724 §4.1; see {@link SpeakerConfig.GracefulRestart}). */
    public boolean selectionDeferred() {
        return rib.call(Rib::selectionDeferred);
    }

    public int locRibSize(Family f) {
        return rib.call(r -> r.locRibSize(f));
    }

    public List<RibRoute> adjRibIn(InetAddress peer, Family f) {
        PeerSession s = peers.get(peer);
        return s == null ? List.of() : rib.call(r -> s.ribPeer.adjRibIn(f));
    }

    public List<RibRoute> adjRibOut(InetAddress peer, Family f) {
        PeerSession s = peers.get(peer);
        return s == null ? List.of() : rib.call(r -> s.ribPeer.adjRibOut(f));
    }

    /** Speaker-wide counters (name to value), for metrics. */
    public Map<String, Long> counters() {
        Map<String, Long> c = new LinkedHashMap<>();
        long in = 0;
        long out = 0;
        long up = 0;
        long soft = 0;
        long notifOut = 0;
        long notifIn = 0;
        long established = 0;
        for (PeerSession s : peers.values()) {
            in += s.messagesIn.get();
            out += s.messagesOut.get();
            soft += s.softErrors.get();
            notifIn += s.notificationsIn.get();
            notifOut += s.notificationsOut.get();
            established += s.establishedCount.get();
            up += "ESTABLISHED".equals(s.state()) ? 1 : 0;
        }
        c.put("peers", (long) peers.size());
        c.put("peers_established", up);
        c.put("sessions_established_total", established);
        c.put("messages_received_total", in);
        c.put("messages_sent_total", out);
        c.put("notifications_received_total", notifIn);
        c.put("notifications_sent_total", notifOut);
        c.put("rfc7606_errors_total", soft);
        return c;
    }

    // ------------------------------------------------------------------ lifecycle

    private long acceptBackoff = 50;

    private void acceptLoop(Transport.Listener l) {
        while (!closed) {
            Transport.Connection c;
            try {
                c = l.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // EMFILE, ENOBUFS and friends pass; giving up would leave the speaker deaf for good
                LOG.log(Level.WARNING, "event=accept-failed {0}; retrying", e.getMessage());
                try {
                    Thread.sleep(acceptBackoff);
                } catch (InterruptedException ie) {
                    return;
                }
                acceptBackoff = Math.min(1000, acceptBackoff * 2);
                continue;
            }
            acceptBackoff = 50;
            try {
                handOver(c);
            } catch (RuntimeException e) {
                // one bad connection must not leave the speaker deaf for good: drop it, keep accepting
                LOG.log(Level.WARNING, "event=accept-handling-failed {0}", e.toString());
                try {
                    c.close();
                } catch (IOException ignored) {
                    // dropped either way
                }
            }
        }
    }

    /** Gives an accepted connection to its peer's session, or refuses it. */
    private void handOver(Transport.Connection c) {
        InetAddress from = c.remoteAddress().getAddress();
        PeerSession s = peers.get(from);
        if (s == null) {
            long now = clock.getAsLong();
            Long last = refusalsLogged.get(from);
            if (last == null || now - last >= REFUSAL_LOG_INTERVAL) {
                // once a minute per address: an unknown node retries every few seconds, forever (a mesh of 500
                // nodes starting up logged 4.4 million of these lines in ten minutes)
                if (refusalsLogged.size() > 4096) {
                    refusalsLogged.clear();
                }
                refusalsLogged.put(from, now);
                LOG.log(info(), "event=connection-refused from={0} reason=\"not a configured peer\" (logged once a minute per address)",
                        from.getHostAddress());
            }
            try {
                c.close();
            } catch (IOException ignored) {
                // refused either way
            }
            return;
        }
        s.onInbound(c);
    }

    /** Stops every session with Cease "Administrative Shutdown" (RFC 4486) and releases everything. */
    @Override
    public void close() {
        shutdown(false);
    }

    /**
     * Drops every connection without a NOTIFICATION, as if the process had crashed: graceful-restart peers
     * keep our routes (RFC 4724). For tests of restart behaviour and for a fast exit that keeps forwarding.
     */
    public void closeAbruptly() {
        shutdown(true);
    }

    private void shutdown(boolean abrupt) {
        if (closed) {
            return;
        }
        closed = true;
        if (listener != null) {
            try {
                listener.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        for (PeerSession s : peers.values()) {
            if (abrupt) {
                s.abort();
            } else {
                s.stop(ErrorCodes.CEASE_ADMIN_SHUTDOWN, "speaker shutting down");
            }
        }
        for (PeerSession s : peers.values()) {
            try {
                s.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        rib.stop();
        for (Subscriber s : subscribers) {
            s.thread.interrupt();
        }
        LOG.log(info(), "event=speaker-stopped abrupt={0}", abrupt);
    }
}
