package dev.viaduct.agent;

import dev.viaduct.agent.bfd.BfdPeers;
import dev.viaduct.agent.bfd.BfdSupervisor;
import dev.viaduct.agent.bgp.BgpMode;
import dev.viaduct.agent.bgp.BgpTopology;
import dev.viaduct.agent.cni.CniEndpoint;
import dev.viaduct.agent.cni.CniHandler;
import dev.viaduct.agent.config.AgentConfig;
import dev.viaduct.agent.hostgw.HostGwSource;
import dev.viaduct.agent.ipam.IpamAllocator;
import dev.viaduct.agent.node.ClusterConfigRecord;
import dev.viaduct.agent.node.KubeNodeLabels;
import dev.viaduct.agent.node.NodeDirectory;
import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.agent.node.NodeRegistration;
import dev.viaduct.agent.node.Uplink;
import dev.viaduct.ops.OpsHttp;
import dev.viaduct.agent.overlay.OverlayPlane;
import dev.viaduct.agent.overlay.TunnelKind;
import dev.viaduct.agent.ops.AgentMetrics;
import dev.viaduct.agent.ops.IpamUsage;
import dev.viaduct.agent.ops.KernelInspector;
import dev.viaduct.ops.Liveness;
import dev.viaduct.store.MeteredDatastore;
import dev.viaduct.agent.ops.MeteredPodDataplane;
import dev.viaduct.agent.ops.MeteredRouteTable;
import dev.viaduct.agent.ops.StatusJson;
import dev.viaduct.agent.pod.DataplaneException;
import dev.viaduct.agent.pod.HostVethNames;
import dev.viaduct.agent.pod.LocalEndpoints;
import dev.viaduct.agent.pod.NetlinkPodDataplane;
import dev.viaduct.agent.nat.NftCommand;
import dev.viaduct.agent.policy.PolicyEnforcer;
import dev.viaduct.agent.policy.PolicyFeed;
import dev.viaduct.agent.policy.PolicyMetrics;
import dev.viaduct.agent.route.NetlinkRouteTable;
import dev.viaduct.agent.route.Route;
import dev.viaduct.agent.route.RouteReconciler;
import dev.viaduct.ipam.DeferredReleases;
import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.ipam.IpamConfig;
import dev.viaduct.ipam.IpamException;
import dev.viaduct.ipam.Pool;
import dev.viaduct.ipam.NodesInStore;
import dev.viaduct.ipam.Reclaimer;
import dev.viaduct.ipam.ReleaseJournal;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.Rtnl;
import dev.viaduct.netlink.Sysctl;
import dev.viaduct.policy.node.PolicyInputs;
import dev.viaduct.store.Datastore;
import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.etcd.EtcdStores;
import dev.viaduct.sys.net.IpPrefix;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One node's agent: the composition root. {@link #start} brings everything up in dependency order;
 * {@link #close} stops it <em>without</em> removing routes, pods or the node's lease, so a restart (or a
 * crash) never interrupts pod traffic: the next start finds the kernel already right.
 *
 * <p>Concurrency: start/close run on the main thread; each component owns its threads (see their class
 * comments).
 */
public final class Agent implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.agent");
    public static final String POD_SOURCE = "pods";
    /** How long a CNI ADD waits for its pod's host route; a pass takes milliseconds, retries 500 ms. */
    private static final java.time.Duration HOST_ROUTE_DEADLINE = java.time.Duration.ofSeconds(5);

    private final AgentConfig config;
    private final Runnable beforeFirstBgpSpeaker;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean registered;
    private Datastore store;
    private Keys keys;
    private volatile Uplink uplink;
    private OverlayPlane overlays;
    private RouteReconciler reconciler;
    private final Liveness liveness = new Liveness();
    private HostGwSource hostGw;
    private BgpMode bgp;
    private BfdSupervisor bfd;
    private LocalEndpoints endpoints;
    private Ipam ipam;
    private DeferredReleases releases;
    private NodeDirectory nodeDir;
    private OpsHttp http;
    private int podMtu;
    private String mode;
    private final AgentMetrics metrics = new AgentMetrics();
    private final java.time.Instant startedAt = java.time.Instant.now();
    private IpamUsage ipamUsage;
    private KernelInspector kernel;
    private PolicyEnforcer policy;

    /**
     * @param config the node's configuration
     * @param beforeFirstBgpSpeaker what the binary runs once, on the BGP mode's thread, right before the first BGP
     *     speaker starts (the JIT warm-up and the JVM-wide housekeeping after it, which are the binary's to decide)
     */
    public Agent(AgentConfig config, Runnable beforeFirstBgpSpeaker) {
        this.config = config;
        this.beforeFirstBgpSpeaker = beforeFirstBgpSpeaker;
    }

    public void start() throws Exception {
        long t0 = System.nanoTime();
        NetNamespace hostNs = NetNamespace.current();
        closeables.add(hostNs);
        Rtnl host = hostNs.openRtnl();
        closeables.add(host);
        uplink = Uplink.detect(host, config.node().uplink(), config.node().address(), config.node().autodetectCidr());
        podMtu = config.cni().mtu() > 0 ? config.cni().mtu() : uplink.mtu();
        LOG.log(System.Logger.Level.INFO, "agent starting node={0} uplink={1} addresses={2} podMtu={3}", config.nodeName(),
                uplink.device(), uplink.addresses(), podMtu);

        var d = config.datastore();
        StoreOptions so = StoreOptions.of(d.endpoints()).withPrefix(d.prefix())
                .withTimeouts(d.dialTimeout(), StoreOptions.DEFAULT_REQUEST_TIMEOUT);
        if (d.caFile().isPresent() || d.certFile().isPresent()) {
            so = so.withTls(d.caFile().orElse(null), d.certFile().orElse(null), d.keyFile().orElse(null));
        }
        if (d.username().isPresent()) {
            so = so.withCredentials(d.username().get(), d.password().orElseThrow());
        }
        // every request the agent makes is timed and its failures counted (viaduct_etcd_request_*); etcd's JSON
        // gateway, not gRPC: no Netty, gRPC or protobuf classes in a process that runs on every node
        store = new MeteredDatastore(EtcdStores.connect(so), metrics);
        closeables.add(store);
        keys = new Keys(d.prefix());

        ClusterConfigRecord cluster = ensureClusterConfig();
        mode = cluster.mode();
        ipam = new Ipam(store, keys, IpamConfig.defaults(), new NodesInStore(store, keys), InstantSource.system());
        ensurePools(cluster);

        // Forwarding is what makes a host a router for its pods. Written only when off: in a container that is not
        // privileged (the DaemonSet's agent) /proc/sys is read-only, and nodes forward already.
        Sysctl.ensure(hostNs, "net.ipv4.ip_forward", "1");
        if (!cluster.podCidrsV6().isEmpty()) {
            Sysctl.ensure(hostNs, "net.ipv6.conf.all.forwarding", "1");
        }

        // overlays: a restarted agent registers with the VTEP its VXLAN device already has (peers keep encapsulating)
        overlays = OverlayPlane.open(hostNs, config.nodeName(), config.cni().mtu(), config.routes().resyncInterval());
        NodeRegistration reg = new NodeRegistration(store, keys, config.node().leaseTtl());
        reg.register(new NodeRecord(config.nodeName(), uplink.addresses().stream().map(IpPrefix::toString).toList(),
                uplink.device(), config.node().labels(), mode, 0, null, version(),
                StatusJson.agentUrl(config.http().listenHost(), config.http().listenPort(), uplink.addresses()).orElse(null))
                .withVtep(overlays.initialVtep().orElse(null)));
        registered = true;
        closeables.add(reg);
        closeables.add(KubeNodeLabels.start(store, keys, config.nodeName(), config.node().labels(), reg));

        nodeDir = new NodeDirectory(keys);
        nodeDir.start(store);
        closeables.add(nodeDir);

        NetlinkRouteTable table = new NetlinkRouteTable(hostNs, config.routes().protocol());
        closeables.add(table);
        reconciler = new RouteReconciler(new MeteredRouteTable(table, metrics), config.routes().resyncInterval());
        reconciler.onPass((full, changes, nanos) -> metrics.reconcilePass(full, nanos));
        reconciler.requireSource(POD_SOURCE);
        // releases owed since a DEL during a datastore outage: their pods are gone, whatever IPAM still lists
        releases = new DeferredReleases(ipam, store, ReleaseJournal.open(config.ipam().pendingReleases()),
                java.time.Duration.ofSeconds(1), InstantSource.system()).start();
        closeables.add(releases);
        endpoints = new LocalEndpoints();
        endpoints.replaceAll(localEndpointsFromIpam());
        endpoints.subscribe(eps -> reconciler.setDesired(POD_SOURCE, eps.stream().flatMap(e -> hostRoutes(e).stream()).toList()));
        reconciler.markSynced(POD_SOURCE);

        hostGw = new HostGwSource(config.nodeName(), uplink.device(), () -> uplink.addresses(), reconciler);
        overlays.start(ipam, reg, hostGw, uplink, () -> Uplink.detect(host, config.node().uplink(), config.node().address(),
                config.node().autodetectCidr()), u -> uplink = u);
        overlays.registerMetrics(metrics);
        closeables.add(overlays); // closed before the registration: its VTEP updates go through it
        bfd = startBfd();
        if ("bgp".equals(mode)) {
            // BGP mode: remote blocks come from the speaker's best paths, not from block affinities
            bgp = new BgpMode(config.nodeName(), uplink, store, keys, reconciler,
                    new dev.viaduct.bgp.transport.TcpMd5Transport(), !cluster.podCidrsV6().isEmpty());
            bgp.beforeFirstSpeaker(beforeFirstBgpSpeaker);
            bgp.start(nodeDir, ipam);
            closeables.add(bgp);
            if (bfd != null) {
                wireBfd(bfd, bgp);
            }
        } else {
            if (bfd != null) {
                wireBfd(bfd, config.nodeName(), nodeDir, hostGw);
            }
            hostGw.start(nodeDir, ipam);
            closeables.add(hostGw);
        }
        reconciler.start();
        closeables.add(reconciler);

        policy = startPolicy();
        CniHandler handler = new CniHandler(config.nodeName(), new IpamAllocator(ipam, config.nodeName(), store, releases),
                new MeteredPodDataplane(new NetlinkPodDataplane(hostNs, host, config.routes().protocol()), metrics),
                this::awaitPodReady, endpoints,
                overlays::podMtu, reconciler::ready);
        closeables.add(CniEndpoint.start(config.cni().socket(), handler, metrics));
        ipamUsage = new IpamUsage(config.nodeName());
        ipamUsage.start(ipam);
        closeables.add(ipamUsage);
        // one agent at a time (the holder of the reclaimer lock) gives gone nodes' addresses back
        closeables.add(new Reclaimer(store, keys, ipam, config.nodeName(), config.ipam().reclaimAfter(), java.time.Duration.ofMinutes(1),
                config.node().leaseTtl(), r -> metrics.reclaimed(r.addresses(), r.blocks().size())).start());
        kernel = new KernelInspector(hostNs);
        closeables.add(kernel);
        registerMetrics();
        registerLiveness();
        if (config.http().listenHost().isPresent()) {
            http = new OpsHttp(config.http().listenHost().get(), config.http().listenPort(), metrics.registry(),
                    () -> liveness.failures(System.nanoTime()), this::notReadyReason, this::statusJson);
            closeables.add(http);
        }
        LOG.log(System.Logger.Level.INFO, "agent started node={0} mode={1} endpoints={2} ms={3}", config.nodeName(), mode,
                endpoints.size(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** The loops {@code /healthz} watches; each must make progress within {@code http.livenessDeadline}. */
    private void registerLiveness() {
        java.util.function.Supplier<java.time.Duration> deadline = () -> config.http().livenessDeadline();
        liveness.register("route-reconciler", deadline, reconciler::stalledSince);
        overlays.registerLiveness(liveness, deadline);
        liveness.register("store-watches", deadline, store::watchesStalledSince);
        if (bgp != null) {
            liveness.register("bgp-rib", deadline, bgp::ribStalledSince);
        }
        if (bfd != null) {
            liveness.register("bfdd-link", deadline, bfd::daemonLostSince);
        }
        if (policy != null) {
            liveness.register("policy", deadline, policy::stalledSince);
        }
    }

    /**
     * NetworkPolicy enforcement, when {@code policy.enabled} and nft is there. It is started before the CNI
     * endpoint, so no ADD ever returns before its pod's rules are applied.
     */
    private PolicyEnforcer startPolicy() {
        if (!config.policy().enabled()) {
            return null;
        }
        NftCommand nft = NftCommand.locate();
        if (!nft.unavailableReason().isEmpty()) {
            LOG.log(System.Logger.Level.ERROR, "NetworkPolicy not enforced: {0}", nft.unavailableReason());
            return null;
        }
        PolicyEnforcer p = new PolicyEnforcer(nft, config.nodeName(),
                () -> uplink.addresses().stream().map(IpPrefix::address).toList(), config.routes().resyncInterval());
        PolicyMetrics.register(p, metrics);
        p.start();
        closeables.add(p);
        closeables.add(PolicyFeed.start(store, keys, ipam, p));
        return p;
    }

    /**
     * BFD sessions run in bfdd, a process of its own that this agent starts when it is not running
     * and never stops, so a restarting agent does not look like a dead node to its peers. Off: a bfdd left
     * running from before is told to go (AdminDown first, so peers do not take it for a failure).
     */
    private BfdSupervisor startBfd() {
        var b = config.bfd();
        if (!b.enabled()) {
            if (b.managed()) {
                BfdSupervisor.stopDaemonIfRunning(b.socket());
            }
            return null;
        }
        var s = BfdSupervisor.start(config.nodeName(), b.socket(),
                dev.viaduct.bfd.session.Timers.of(b.interval(), b.multiplier()), () -> uplink, b.managed(),
                config.log().format(), config.log().level());
        closeables.add(s);
        s.registerMetrics(metrics);
        return s;
    }

    /**
     * BFD in BGP mode: sessions with the BGP peers that have BFD on; a path-down peer's BGP session is torn down
     * at once, its routes dropped without graceful-restart retention (RFC 5882 §4.3), and it is kept out of the
     * speaker until BFD is Up again.
     */
    private static void wireBfd(BfdSupervisor bfd, BgpMode bgp) {
        bfd.onPathDown(c -> {
            for (BfdPeers.Peer p : c.newlyDown()) {
                bgp.pathDown(p.address(), c.reason());
            }
            bgp.holdDown(c.addresses());
        });
        bgp.onPlan(plan -> bfd.setPeers(bfdPeers(plan)));
    }

    /** BFD in host-gw mode: sessions with every other node; a path-down node's routes go until BFD is Up again. */
    private static void wireBfd(BfdSupervisor bfd, String self, NodeDirectory nodes, HostGwSource hostGw) {
        bfd.onPathDown(c -> hostGw.setPathDown(c.names()));
        nodes.subscribe(n -> bfd.setPeers(bfdPeers(self, n)));
    }

    /** Every other node, at its IPv4 address (else its IPv6 one); nodes without a usable address are left out. */
    static List<BfdPeers.Peer> bfdPeers(String self, Map<String, NodeRecord> nodes) {
        List<BfdPeers.Peer> out = new ArrayList<>();
        for (NodeRecord n : new TreeMap<>(nodes).values()) {
            if (n.name().equals(self)) {
                continue;
            }
            Optional<IpPrefix> a;
            try {
                a = n.address(true).or(() -> n.address(false));
            } catch (IllegalArgumentException e) {
                a = Optional.empty();
            }
            a.ifPresent(c -> out.add(new BfdPeers.Peer(n.name(), c.address())));
        }
        return out;
    }

    /** The BGP peers with BFD on. */
    static List<BfdPeers.Peer> bfdPeers(BgpTopology.Plan plan) {
        List<BfdPeers.Peer> out = new ArrayList<>();
        for (BgpTopology.Peer p : plan.peers()) {
            if (p.bfd()) {
                out.add(new BfdPeers.Peer(p.name(), p.address()));
            }
        }
        return out;
    }

    private ClusterConfigRecord ensureClusterConfig() {
        var c = config.cluster();
        ClusterConfigRecord mine = new ClusterConfigRecord(c.mode(), c.podCidrs().stream().map(IpPrefix::toString).toList(),
                c.blockSize(), c.podCidrsV6().stream().map(IpPrefix::toString).toList(), c.blockSizeV6(), c.vxlanMode().text(),
                c.ipipMode().text(), c.natOutgoing());
        JsonCodec<ClusterConfigRecord> codec = JsonCodec.of(ClusterConfigRecord.class);
        if (store.create(keys.config(), codec.encode(mine))) {
            LOG.log(System.Logger.Level.INFO, "cluster config written (first agent) mode={0} podCidrs={1}", mine.mode(), mine.podCidrs());
            return mine;
        }
        ClusterConfigRecord stored = codec.decode(store.get(keys.config()).orElseThrow(
                () -> new StoreException(StoreException.Reason.UNAVAILABLE, "cluster config vanished while reading it")));
        if (!stored.equals(mine)) {
            LOG.log(System.Logger.Level.WARNING, "cluster config in the store differs from this agent's file; the store wins"
                    + " stored={0} file={1}", stored, mine);
        }
        return stored;
    }

    private void ensurePools(ClusterConfigRecord c) {
        List<Pool> existing = ipam.pools();
        List<String> all = new ArrayList<>(c.podCidrs());
        all.addAll(c.podCidrsV6());
        for (String cidr : all) {
            boolean v6 = cidr.contains(":");
            IpPrefix pc = IpPrefix.parseNetwork(cidr);
            if (existing.stream().anyMatch(p -> p.cidr().equals(pc))) {
                continue;
            }
            try {
                // the cluster's pool defaults; IPIP carries IPv4 only, VXLAN both families
                ipam.createPool(Pool.of(cidr).withBlockSize(v6 ? c.blockSizeV6() : c.blockSize()).withOverlay(
                        dev.viaduct.ipam.EncapMode.parse("vxlanMode", c.vxlanMode()),
                        v6 ? dev.viaduct.ipam.EncapMode.NEVER : dev.viaduct.ipam.EncapMode.parse("ipipMode", c.ipipMode()), c.natOutgoing()));
                LOG.log(System.Logger.Level.INFO, "pool created cidr={0}", cidr);
            } catch (IpamException e) {
                if (e.reason() != IpamException.Reason.POOL_CONFLICT) {
                    throw e;
                }
                // another agent created it at the same moment, or an overlapping pool exists: logged, not fatal
                LOG.log(System.Logger.Level.WARNING, "pool {0} not created: {1}", cidr, e.getMessage());
            }
        }
    }

    /** The host side's routes to a pod: {@code podIP dev vdc… scope link}, one per address. */
    private static List<Route> hostRoutes(LocalEndpoints.Endpoint e) {
        return e.addresses().stream().map(c -> Route.direct(c, e.hostVeth())).toList();
    }

    /**
     * A pod's host routes are in the kernel, and so are its policy rules (when policy is enforced): the
     * endpoint carries what the policy join needs, so this reads nothing from the store.
     */
    private void awaitPodReady(LocalEndpoints.Endpoint e) throws DataplaneException {
        awaitHostRoutes(e);
        if (policy == null || e.podNamespace().isEmpty() || e.podName().isEmpty()) {
            return;
        }
        policy.awaitEnforced(new PolicyInputs.Endpoint(e.handle(), e.podNamespace(), e.podName(), config.nodeName(), e.hostVeth(),
                e.addresses().stream().map(IpPrefix::address).toList()), HOST_ROUTE_DEADLINE);
    }

    private void awaitHostRoutes(LocalEndpoints.Endpoint e) throws DataplaneException {
        List<Route> routes = hostRoutes(e);
        try {
            if (!reconciler.awaitProgrammed(routes, HOST_ROUTE_DEADLINE)) {
                throw new DataplaneException("host routes " + routes + " not in the kernel after " + HOST_ROUTE_DEADLINE.toMillis()
                        + " ms: " + routes.stream().map(r -> reconciler.problem(r).orElse("no pass finished")).toList());
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new DataplaneException("interrupted while waiting for the host routes " + routes, ie, false);
        }
    }

    /** After a restart: every handle this node holds is a pod whose host route must stay. */
    private List<LocalEndpoints.Endpoint> localEndpointsFromIpam() {
        List<LocalEndpoints.Endpoint> out = new ArrayList<>();
        for (Handle h : ipam.handles()) {
            if (h.node().equals(config.nodeName()) && !TunnelKind.isTunnelHandle(h.id()) && !releases.owes(h.id())) {
                out.add(new LocalEndpoints.Endpoint(h.id(), HostVethNames.of(h.id()),
                        h.addresses().stream().map(IpPrefix::host).toList()));
            }
        }
        return out;
    }

    private void registerMetrics() {
        metrics.gauge("viaduct_routes_desired", "Routes the agent wants in the kernel", () -> reconciler.desired().size());
        metrics.gauge("viaduct_routes_programmed", "Viaduct routes in the kernel as the reconciler last saw them",
                () -> reconciler.programmed().size());
        metrics.gauge("viaduct_routes_problems", "Desired routes that could not be programmed", () -> reconciler.problems().size());
        metrics.counter("viaduct_routes_drifted", "Routes found changed or deleted behind the agent's back",
                () -> reconciler.drifted.get());
        metrics.counter("viaduct_route_reconcile_passes", "Reconcile passes (each diffs desired against the kernel)",
                () -> reconciler.passes.get());
        metrics.counter("viaduct_route_changes", "Route adds, replaces and deletes applied", () -> reconciler.applied.get());
        metrics.counter("viaduct_route_errors", "Route changes or passes the kernel refused", () -> reconciler.errors.get());
        metrics.gauge("viaduct_route_reconcile_last_seconds", "Duration of the last reconcile pass",
                () -> reconciler.lastPassNanos.get() / 1e9);
        metrics.gauge("viaduct_local_endpoints", "Pod interfaces on this node", () -> endpoints.size());
        metrics.gauge("viaduct_hostgw_peers_not_onlink", "Peer nodes host-gw cannot route to (not on a connected subnet)",
                () -> hostGw.notOnLink().size());
        metrics.gauge("viaduct_nodes", "Node records in the datastore", () -> nodeDir.snapshot().size());
        metrics.counter("viaduct_ipam_store_round_trips", "Datastore requests made by IPAM", () -> ipam.stats().storeRoundTrips());
        metrics.counter("viaduct_ipam_conflicts", "IPAM transactions that lost a race and were retried", () -> ipam.stats().conflicts());
        metrics.counter("viaduct_ipam_assigns", "Addresses assigned by this node", () -> ipam.stats().assigns());
        metrics.gauge("viaduct_ipam_pending_releases", "Releases of deleted pods' addresses waiting for the datastore",
                () -> releases.pending().size());
        metrics.counter("viaduct_ipam_releases_deferred", "Releases recorded for later because the datastore was unreachable",
                () -> releases.deferredTotal());
        metrics.bgpPeers(() -> bgp == null ? List.of() : bgp.peers().stream().map(AgentMetrics.BgpPeerSample::of).toList());
        metrics.gauge("viaduct_ipam_blocks", "IPAM blocks affine to this node", () -> ipamUsage.counts().blocks());
        metrics.gauge("viaduct_ipam_block_addresses", "Addresses in the blocks affine to this node (capacity)",
                () -> ipamUsage.counts().blockAddresses());
        metrics.gauge("viaduct_ipam_addresses_in_use", "Addresses allocated by this node (own blocks and borrowed)",
                () -> ipamUsage.counts().addressesInUse());
    }

    private String notReadyReason() {
        if (!registered) {
            return "node not registered";
        }
        if (!nodeDir.synced()) {
            return "node list not synced";
        }
        if (!reconciler.ready()) {
            return "routes not reconciled yet";
        }
        return "";
    }

    /** The agent's view for /status and `viaduct ctl`. */
    public String statusJson() {
        JsonMapper m = JsonMapper.builder().build();
        ObjectNode o = m.createObjectNode();
        o.put("node", config.nodeName());
        o.put("mode", mode);
        o.put("ready", notReadyReason().isEmpty());
        o.put("notReady", notReadyReason());
        o.put("uplink", uplink.device());
        o.put("podMtu", overlays.podMtu());
        var addrs = o.putArray("addresses");
        uplink.addresses().forEach(a -> addrs.add(a.toString()));
        o.put("localEndpoints", endpoints.size());
        store.unreachable(java.time.Duration.ZERO).ifPresent(d ->
                o.put("datastoreUnreachable", d.reason()).put("datastoreUnreachableSince", d.since().toString()));
        var owed = o.putArray("pendingReleases");
        releases.pending().forEach(e -> owed.addObject().put("handle", e.handle()).put("recorded", e.recorded().toString()));
        var nol = o.putObject("peersNotOnLink");
        hostGw.notOnLink().forEach(nol::put);
        overlays.writeStatus(o, hostGw.paths());
        var peers = o.putArray("peers");
        if (bgp != null) {
            o.put("asn", bgp.localAsn());
            var named = bgp.configuredPeers();
            for (var ps : bgp.peers()) {
                var po = dev.viaduct.agent.ops.StatusJson.peer(peers.addObject(), ps);
                var cfgPeer = named.get(ps.address());
                po.put("routeReflectorClient", cfgPeer != null && cfgPeer.rrClient());
            }
            var bp = o.putObject("bgpProblems");
            bgp.problems().forEach(bp::put);
        }
        Map<String, String> desired = new TreeMap<>();
        reconciler.desired().forEach((k, v) -> desired.put(k.toString(), v.toString()));
        Map<String, String> programmed = new TreeMap<>();
        reconciler.programmed().forEach((k, v) -> programmed.put(k.toString(), v.toString()));
        var routes = o.putArray("routes");
        for (var e : desired.entrySet()) {
            var r = routes.addObject();
            r.put("route", e.getValue());
            String have = programmed.get(e.getKey());
            r.put("state", have == null ? "missing" : have.equals(e.getValue()) ? "programmed" : "different");
        }
        for (var e : programmed.entrySet()) {
            if (!desired.containsKey(e.getKey())) {
                routes.addObject().put("route", e.getValue()).put("state", "stale");
            }
        }
        var problems = o.putObject("routeProblems");
        reconciler.problems().forEach((k, v) -> problems.put(k.toString(), v));
        o.put("routesDrifted", reconciler.drifted.get());
        BfdSupervisor.writeStatus(o, bfd);
        if (policy != null) {
            policy.writeStatus(o.putObject("policy"));
        }
        statusDetails(o);
        return o.toPrettyString() + "\n";
    }

    /**
     * The part of /status `viaduct ctl` diagnoses with (docs/operations.md describes every field): the desired
     * routes with the source that wants each, the kernel's main table and links dumped now (the kernel's truth,
     * not the reconciler's cached view), and this node's pod endpoints.
     */
    private void statusDetails(ObjectNode o) {
        int protocol = config.routes().protocol();
        o.put("agentVersion", version());
        o.put("startedAt", startedAt.toString());
        StatusJson.agentUrl(config.http().listenHost(), httpPort(), uplink.addresses()).ifPresent(u -> o.put("agentUrl", u));
        o.put("routeProtocol", protocol);
        Map<Route.Key, String> sources = reconciler.desiredSources();
        var desired = o.putArray("desiredRoutes");
        new TreeMap<>(reconciler.desired()).forEach((k, r) -> StatusJson.desired(desired.addObject(), r, protocol, sources.get(k)));
        try {
            StatusJson.kernelSnapshot(o, kernel.snapshot(java.time.Duration.ofSeconds(3)));
        } catch (KernelInspector.KernelInspectionException e) {
            o.put("kernelError", e.getMessage());
        }
        var eps = o.putArray("endpoints");
        endpoints.snapshot().stream().sorted(java.util.Comparator.comparing(LocalEndpoints.Endpoint::handle)).forEach(e -> {
            var eo = eps.addObject();
            eo.put("handle", e.handle());
            eo.put("hostVeth", e.hostVeth());
            var a = eo.putArray("addresses");
            e.addresses().forEach(c -> a.add(c.addressText()));
        });
    }

    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** Blocks until {@link #close} is called. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    static String version() {
        String v = Agent.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Stops everything in reverse order; routes, pods and the lease stay (see the class comment). */
    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing {0}: {1}", closeables.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        closeables.clear();
        stopped.countDown();
        LOG.log(System.Logger.Level.INFO, "agent stopped node={0} (routes and pods left in place)", config.nodeName());
    }
}
