package dev.viaduct.agent.bgp;

import dev.viaduct.agent.node.NodeDirectory;
import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.agent.node.Uplink;
import dev.viaduct.agent.route.Route;
import dev.viaduct.agent.route.RouteReconciler;
import dev.viaduct.bgp.rib.BestPathChange;
import dev.viaduct.bgp.rib.NextHopResolver;
import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.PeerStatus;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import dev.viaduct.bgp.speaker.Transport;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.ipam.Block;
import dev.viaduct.ipam.BlockEvent;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.store.Datastore;
import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Watch;
import dev.viaduct.store.WatchEvent;
import dev.viaduct.sys.net.IpPrefix;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * BGP mode in the agent.
 * <ul>
 *   <li>announces this node's affine blocks and the addresses it borrowed from other nodes' blocks (as /32 or
 *       /128), and blackholes its own blocks locally (source {@value #BLOCK_SOURCE});
 *   <li>turns the speaker's best paths into kernel routes (source {@value #SOURCE}): one next hop, or ECMP
 *       when several paths are equal;
 *   <li>keeps the speaker's peers equal to {@link BgpTopology}'s plan, following the store at run time;
 *   <li>graceful restart: the speaker always starts with the Restart State bit and "forwarding preserved", so
 *       peers keep this node's routes while it restarts; its own BGP routes in the kernel stay untouched
 *       until every peer has sent End-of-RIB (or the restart time passed), so a restart changes nothing.
 * </ul>
 *
 * <p>Concurrency: every event (store watches, node changes, block changes, best paths, timers) is handled
 * on one owner thread ({@code bgp-mode}); the speaker has its own threads (see {@link BgpSpeaker}). Status
 * snapshots are immutable.
 */
public final class BgpMode implements AutoCloseable {
    public static final String SOURCE = "bgp";
    public static final String BLOCK_SOURCE = "blocks";
    private static final System.Logger LOG = System.getLogger("viaduct.bgp");
    private static final JsonCodec<BgpSettings> SETTINGS = JsonCodec.of(BgpSettings.class);
    private static final JsonCodec<BgpPeerRecord> PEER = JsonCodec.of(BgpPeerRecord.class);
    private static final JsonCodec<BgpNodeSettings> NODE = JsonCodec.of(BgpNodeSettings.class);

    private final String self;
    private final Uplink uplink;
    private final Datastore store;
    private final Keys keys;
    private final RouteReconciler reconciler;
    private final Transport transport;
    private final boolean ipv6;
    private final ScheduledExecutorService owner = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("bgp-mode").daemon().unstarted(r));
    private final List<Consumer<BgpTopology.Peer>> pathDownListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<BgpTopology.Plan>> planListeners = new CopyOnWriteArrayList<>();

    // ---- owned by the owner thread
    private BgpSettings settings = BgpSettings.DEFAULTS;
    private final Map<String, BgpPeerRecord> peerRecords = new TreeMap<>();
    private final Map<String, BgpNodeSettings> nodeSettings = new TreeMap<>();
    private Map<String, NodeRecord> nodes = Map.of();
    private boolean bgpSynced;
    private boolean nodesSynced;
    private boolean blocksSynced;
    private final Map<String, Block> blocks = new TreeMap<>();
    private final Set<IpPrefix> originated = new HashSet<>();
    private final Map<IpPrefix, BestPathChange> best = new HashMap<>();
    private volatile BgpSpeaker speaker;
    private SpeakerKey speakerKey;
    /** Owner thread: run once, right before the first speaker starts, then null. */
    private Runnable beforeFirstSpeaker;
    private Map<InetAddress, BgpTopology.Peer> current = new LinkedHashMap<>();
    private BgpSpeaker.Subscription subscription;
    private boolean routesSynced;
    private long startedNanos;
    private volatile BgpTopology.Plan plan;
    private Set<InetAddress> heldDown = Set.of();
    private final List<Watch> watches = new ArrayList<>();

    /** What forces a new speaker (local AS, router/cluster ID, port) instead of changing peers. */
    private record SpeakerKey(long asn, InetAddress clusterId, int port, int holdTime, int grSeconds) {
    }

    public BgpMode(String self, Uplink uplink, Datastore store, Keys keys, RouteReconciler reconciler, Transport transport,
            boolean ipv6) {
        this.self = self;
        this.uplink = uplink;
        this.store = store;
        this.keys = keys;
        this.reconciler = reconciler;
        this.transport = transport;
        this.ipv6 = ipv6;
    }

    /**
     * What the binary runs once on this mode's thread right before the first speaker starts (its JIT warm-up and
     * the collection after it); set before {@link #start}.
     */
    public void beforeFirstSpeaker(Runnable r) {
        beforeFirstSpeaker = r;
    }

    /** Declares the reconciler sources and starts the watches. The speaker starts once settings, nodes and blocks are known. */
    public void start(NodeDirectory nodeDir, Ipam ipam) {
        reconciler.requireSource(SOURCE);
        reconciler.requireSource(BLOCK_SOURCE);
        watches.add(store.listAndWatch(keys.bgp(), ev -> post(() -> onBgpEvent(ev))));
        nodeDir.subscribe(n -> post(() -> {
            nodes = n;
            nodesSynced = true;
            recompute();
        }));
        watches.add(ipam.watchBlocks(ev -> post(() -> onBlocks(ev))));
        owner.scheduleWithFixedDelay(() -> {
            try {
                checkRoutesSynced();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "bgp sync check failed: {0}", e.toString());
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
    }

    /** Told when BFD declares a peer's path down (the agent wires BFD here). */
    public void pathDown(InetAddress peer, String reason) {
        post(() -> {
            if (speaker != null && current.containsKey(peer)) {
                speaker.peerDown(peer, reason);
                for (var l : pathDownListeners) {
                    l.accept(current.get(peer));
                }
            }
        });
    }

    /**
     * Keeps these peers out of the speaker while BFD says their path is down (their BGP session is removed, its
     * routes with it, and re-added once they leave the set), so a peer whose TCP still connects cannot bring
     * back routes over a path BFD declared dead (the hold-down of draft-ietf-idr-bgp-bfd-strict-mode, applied
     * after a failure only). The plan, and so the BFD sessions, still include them.
     */
    public void holdDown(Set<InetAddress> peers) {
        Set<InetAddress> copy = Set.copyOf(peers);
        post(() -> {
            if (!copy.equals(heldDown)) {
                heldDown = copy;
                recompute();
            }
        });
    }

    /** Hears every new peer plan (BFD sessions follow the peers that want BFD). */
    public void onPlan(Consumer<BgpTopology.Plan> l) {
        planListeners.add(l);
        BgpTopology.Plan p = plan;
        if (p != null) {
            l.accept(p);
        }
    }

    private void post(Runnable r) {
        owner.execute(() -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "bgp mode event failed: " + e, e);
            }
        });
    }

    private void onBgpEvent(WatchEvent ev) {
        switch (ev) {
            case WatchEvent.Resync r -> {
                settings = BgpSettings.DEFAULTS;
                peerRecords.clear();
                nodeSettings.clear();
                r.snapshot().forEach(this::putBgpKey);
                bgpSynced = true;
            }
            case WatchEvent.Put p -> putBgpKey(p.kv());
            case WatchEvent.Delete d -> {
                if (d.key().equals(keys.bgpConfig())) {
                    settings = BgpSettings.DEFAULTS;
                } else if (d.key().startsWith(keys.bgpPeers())) {
                    peerRecords.remove(keys.nameIn(keys.bgpPeers(), d.key()));
                } else if (d.key().startsWith(keys.bgpNodes())) {
                    nodeSettings.remove(keys.nameIn(keys.bgpNodes(), d.key()));
                }
            }
        }
        recompute();
    }

    private void putBgpKey(KeyValue kv) {
        try {
            if (kv.key().equals(keys.bgpConfig())) {
                settings = SETTINGS.decode(kv);
            } else if (kv.key().startsWith(keys.bgpPeers())) {
                peerRecords.put(keys.nameIn(keys.bgpPeers(), kv.key()), PEER.decode(kv));
            } else if (kv.key().startsWith(keys.bgpNodes())) {
                nodeSettings.put(keys.nameIn(keys.bgpNodes(), kv.key()), NODE.decode(kv));
            }
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.WARNING, "ignoring malformed BGP record: {0}", e.getMessage());
        }
    }

    private void recompute() {
        // Peers only once our own blocks are known too: after a restart the first UPDATEs and End-of-RIB must
        // carry our blocks, or a graceful-restart helper flushes them as stale on End-of-RIB and re-learns them
        // moments later, a black hole in between (RFC 4724 §4.1: the restarting speaker sends End-of-RIB only
        // after its initial updates)
        if (!bgpSynced || !nodesSynced || !blocksSynced) {
            return;
        }
        BgpTopology.Plan p = BgpTopology.compute(self, nodes, settings, peerRecords, nodeSettings);
        for (var e : p.problems().entrySet()) {
            if (plan == null || !e.getValue().equals(plan.problems().get(e.getKey()))) {
                LOG.log(System.Logger.Level.WARNING, "bgp config problem {0}: {1}", e.getKey(), e.getValue());
            }
        }
        SpeakerKey key = new SpeakerKey(p.localAsn(), p.clusterId().orElse(null), settings.portOrDefault(),
                settings.holdTimeOrDefault(), settings.gracefulRestartOrDefault());
        if (speaker == null || !key.equals(speakerKey)) {
            restartSpeaker(key);
        }
        Map<InetAddress, BgpTopology.Peer> want = new LinkedHashMap<>();
        for (BgpTopology.Peer peer : p.peers()) {
            if (!heldDown.contains(peer.address())) {
                want.put(peer.address(), peer);
            }
        }
        for (var e : new ArrayList<>(current.entrySet())) {
            BgpTopology.Peer w = want.get(e.getKey());
            if (w == null || !w.equals(e.getValue())) {
                speaker.removePeer(e.getKey());
                current.remove(e.getKey());
                LOG.log(System.Logger.Level.INFO, "bgp peer removed peer={0} address={1}", e.getValue().name(),
                        e.getKey().getHostAddress());
            }
        }
        for (var e : want.entrySet()) {
            if (!current.containsKey(e.getKey())) {
                try {
                    speaker.addPeer(peerConfig(e.getValue()));
                    current.put(e.getKey(), e.getValue());
                    LOG.log(System.Logger.Level.INFO, "bgp peer added peer={0} address={1} asn={2} rrClient={3} passive={4}",
                            e.getValue().name(), e.getKey().getHostAddress(), e.getValue().asn(), e.getValue().rrClient(),
                            e.getValue().passive());
                } catch (IllegalArgumentException ex) {
                    LOG.log(System.Logger.Level.WARNING, "bgp peer {0} refused: {1}", e.getValue().name(), ex.getMessage());
                }
            }
        }
        plan = p;
        for (var l : planListeners) {
            l.accept(p);
        }
    }

    private PeerConfig peerConfig(BgpTopology.Peer p) {
        var b = PeerConfig.builder(p.address(), p.asn()).name(p.name()).port(settings.portOrDefault())
                .rrClient(p.rrClient()).passive(p.passive()).localAddress(uplink.primary().address())
                // a node is not a transit router: it announces its own blocks only, except that a route reflector
                // reflects within its AS (RFC 4456)
                .localRoutesOnly(!(speakerKey.clusterId() != null && p.asn() == speakerKey.asn()))
                .families(ipv6 ? EnumSet.of(Family.IPV4_UNICAST, Family.IPV6_UNICAST) : EnumSet.of(Family.IPV4_UNICAST));
        // RFC 2545 §3: IPv6 routes carry a global IPv6 next hop; over an IPv4 session the default would be an
        // IPv4-mapped address, which the kernel cannot use as an IPv6 gateway
        uplink.addresses().stream().filter(IpPrefix::isIpv6).findFirst().ifPresent(a -> b.nextHopV6(a.address()));
        if (p.password() != null) {
            b.password(p.password());
        }
        return b.build();
    }

    private void restartSpeaker(SpeakerKey key) {
        if (speaker != null) {
            LOG.log(System.Logger.Level.INFO, "bgp speaker restarting: local settings changed {0} -> {1}", speakerKey, key);
            subscription.close();
            speaker.close();
            current.clear();
        }
        Inet4Address routerId = (Inet4Address) uplink.addresses().stream().filter(IpPrefix::isIpv4).findFirst()
                .orElseThrow(() -> new IllegalStateException("BGP needs an IPv4 node address for the router ID")).address();
        var cfg = SpeakerConfig.builder(key.asn(), routerId)
                .listen(new InetSocketAddress(uplink.primary().address(), key.port()))
                .holdTime(key.holdTime())
                .connectRetrySeconds(2)
                .idleHoldSeconds(1)
                .multipath(true)
                .families(ipv6 ? EnumSet.of(Family.IPV4_UNICAST, Family.IPV6_UNICAST) : EnumSet.of(Family.IPV4_UNICAST));
        if (key.clusterId() != null) {
            cfg.clusterId((Inet4Address) key.clusterId());
        }
        if (key.grSeconds() > 0) {
            cfg.gracefulRestart(new SpeakerConfig.GracefulRestart(key.grSeconds(), true, true, 360));
        }
        if (beforeFirstSpeaker != null) {
            Runnable r = beforeFirstSpeaker;
            beforeFirstSpeaker = null;
            r.run();
        }
        try {
            speaker = BgpSpeaker.start(cfg.build(), transport, NextHopResolver.ALL_REACHABLE, System::nanoTime);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the BGP speaker: " + e.getMessage(), e);
        }
        speakerKey = key;
        startedNanos = System.nanoTime();
        speaker.onPeerStateChange(c -> LOG.log(System.Logger.Level.INFO, "bgp peer state peer={0} from={1} to={2} cause=\"{3}\"",
                c.peer(), c.from(), c.to(), c.cause() == null ? "" : c.cause()));
        best.clear();
        subscription = speaker.subscribe(changes -> post(() -> onBestPaths(changes)));
        for (IpPrefix p : originated) {
            speaker.originate(p);
        }
    }

    private void onBestPaths(List<BestPathChange> changes) {
        for (BestPathChange c : changes) {
            if (c.withdrawn() || c.local()) {
                best.remove(c.prefix());
            } else {
                best.put(c.prefix(), c);
            }
        }
        if (routesSynced) {
            pushRoutes();
        }
    }

    private void pushRoutes() {
        Set<InetAddress> mine = new HashSet<>();
        uplink.addresses().forEach(a -> mine.add(a.address()));
        List<Route> routes = new ArrayList<>();
        for (BestPathChange c : best.values()) {
            List<Route.NextHop> hops = new ArrayList<>();
            for (InetAddress nh : c.nextHops()) {
                if (mine.contains(nh) || nh.getAddress().length != c.prefix().address().getAddress().length) {
                    // a path back to ourselves (a reflected copy of our own route), or an IPv6 route from a peer
                    // without an IPv6 address (IPv4-mapped next hop): the kernel has no IPv6 route via IPv4
                    continue;
                }
                hops.add(new Route.NextHop(java.util.Optional.of(nh), deviceFor(nh), false));
            }
            if (hops.isEmpty()) {
                continue;
            }
            IpPrefix dst = c.prefix();
            routes.add(new Route(dst, Route.Type.UNICAST, Route.Scope.UNIVERSE, hops, Route.MAIN_TABLE));
        }
        reconciler.setDesired(SOURCE, routes);
    }

    /** The uplink when the next hop is on one of its subnets; otherwise the kernel resolves the device. */
    private java.util.Optional<String> deviceFor(InetAddress nh) {
        for (IpPrefix c : uplink.addresses()) {
            if (c.contains(nh)) {
                return java.util.Optional.of(uplink.device());
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * The BGP source is synced once every established peer sent End-of-RIB for our families, or the
     * graceful-restart time (at most) passed: only then may stale kernel routes go.
     */
    private void checkRoutesSynced() {
        if (routesSynced || speaker == null) {
            return;
        }
        long waited = (System.nanoTime() - startedNanos) / 1_000_000;
        List<PeerStatus> ps = speaker.peers();
        boolean allEor = !ps.isEmpty() && ps.stream().allMatch(s -> s.established() && s.endOfRib().containsAll(s.families()));
        long limit = Math.max(5_000, Math.min(settings.gracefulRestartOrDefault(), 30) * 1000L);
        boolean noPeers = ps.isEmpty() && waited > 1000;
        if (allEor || noPeers || waited > limit) {
            routesSynced = true;
            pushRoutes();
            reconciler.markSynced(SOURCE);
            LOG.log(System.Logger.Level.INFO, "bgp routes synced peers={0} endOfRib={1} ms={2}", ps.size(), allEor, waited);
        }
    }

    private void onBlocks(BlockEvent ev) {
        boolean firstSnapshot = false;
        switch (ev) {
            case BlockEvent.Snapshot s -> {
                blocks.clear();
                s.blocks().forEach(b -> blocks.put(b.cidr().toString(), b));
                firstSnapshot = !blocksSynced;
                blocksSynced = true;
            }
            case BlockEvent.Updated u -> blocks.put(u.block().cidr().toString(), u.block());
            case BlockEvent.Removed r -> blocks.remove(r.cidr().toString());
        }
        Set<IpPrefix> want = new HashSet<>();
        List<Route> blackholes = new ArrayList<>();
        for (Block b : blocks.values()) {
            boolean ours = b.affineNode().map(self::equals).orElse(false);
            if (ours) {
                IpPrefix block = b.cidr();
                want.add(block);
                blackholes.add(Route.blackhole(block));
            }
            for (var a : b.allocations()) {
                if (a.node().equals(self) && !ours) {
                    want.add(IpPrefix.host(a.address()));
                }
            }
        }
        for (IpPrefix p : new ArrayList<>(originated)) {
            if (!want.contains(p)) {
                originated.remove(p);
                if (speaker != null) {
                    speaker.withdraw(p);
                }
            }
        }
        for (IpPrefix p : want) {
            if (originated.add(p) && speaker != null) {
                speaker.originate(p);
            }
        }
        reconciler.setDesired(BLOCK_SOURCE, blackholes);
        if (blocksSynced) {
            reconciler.markSynced(BLOCK_SOURCE);
        }
        if (firstSnapshot) {
            recompute(); // the speaker and its peers were waiting for our blocks
        }
    }

    /** Peers with state, uptime and prefix counts, for /status and `viaduct ctl peers`. */
    public List<PeerStatus> peers() {
        BgpSpeaker s = speaker;
        return s == null ? List.of() : s.peers();
    }

    /** The current plan's problems (bad records), for /status. */
    public SortedMap<String, String> problems() {
        BgpTopology.Plan p = plan;
        return p == null ? new TreeMap<>() : new TreeMap<>(p.problems());
    }

    public BgpTopology.Plan plan() {
        return plan;
    }

    /** Names of the peers by address, for status. */
    public Map<InetAddress, BgpTopology.Peer> configuredPeers() {
        BgpTopology.Plan p = plan;
        Map<InetAddress, BgpTopology.Peer> m = new LinkedHashMap<>();
        if (p != null) {
            p.peers().forEach(x -> m.put(x.address(), x));
        }
        return m;
    }

    public long localAsn() {
        SpeakerKey k = speakerKey;
        return k == null ? 0 : k.asn();
    }

    /** Since when the running speaker's RIB thread has owed progress ({@link BgpSpeaker#ribStalledSince}); for liveness. */
    public java.util.OptionalLong ribStalledSince() {
        BgpSpeaker s = speaker;
        return s == null ? java.util.OptionalLong.empty() : s.ribStalledSince();
    }

    @Override
    public void close() {
        for (Watch w : watches) {
            w.close();
        }
        owner.shutdown();
        try {
            owner.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (subscription != null) {
            subscription.close();
        }
        if (speaker != null) {
            // An agent stopping (restart, upgrade) closes sessions abruptly on purpose: a NOTIFICATION Cease would
            // make peers flush our routes at once, while a silent close lets graceful restart keep them
            // (RFC 4724 §4.2) until we are back and send End-of-RIB.
            speaker.closeAbruptly();
        }
        Objects.requireNonNull(self);
    }
}
