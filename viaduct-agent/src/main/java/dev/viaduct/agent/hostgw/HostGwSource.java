package dev.viaduct.agent.hostgw;

import dev.viaduct.agent.node.NodeDirectory;
import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.agent.overlay.LocalTunnels;
import dev.viaduct.agent.overlay.PoolSettings;
import dev.viaduct.agent.route.RouteReconciler;
import dev.viaduct.ipam.Block;
import dev.viaduct.ipam.BlockEvent;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.store.Watch;
import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Feeds host-gw routes to the reconciler: mirrors node records and IPAM blocks, takes the pools' overlay
 * settings and this node's tunnel readiness from the overlay controller, recomputes {@link HostGwRoutes} on
 * every change, and keeps the set of peers that are not on-link for status, logs and metrics (logged once
 * when a peer becomes non-adjacent, once when it recovers). Each plan also goes to the plan listener (the
 * overlay controller programs the VXLAN neighbour and FDB entries the routes need).
 *
 * <p>Concurrency: node and block events arrive on store watch threads; state is guarded by this object's
 * monitor; recomputation is cheap (linear in blocks) and done inline.
 */
public final class HostGwSource implements AutoCloseable {
    public static final String SOURCE = "hostgw";
    private static final System.Logger LOG = System.getLogger("viaduct.hostgw");

    private final String self;
    private final String uplink;
    private final Supplier<List<IpPrefix>> connected;
    private final RouteReconciler reconciler;
    private final Map<IpPrefix, BlockView> blocks = new TreeMap<>();
    private Map<String, NodeRecord> nodes = Map.of();
    private boolean blocksSynced;
    private boolean nodesSynced;
    private SortedMap<String, String> notOnLink = new TreeMap<>();
    private SortedMap<String, String> paths = new TreeMap<>();
    private List<PoolSettings> pools = List.of();
    private LocalTunnels tunnels = LocalTunnels.NONE;
    private boolean overlayInputsRequired;
    private boolean poolsSynced;
    private boolean tunnelsSynced;
    private Consumer<HostGwRoutes.Plan> planListener = p -> {
    };
    private Watch blockWatch;
    /** Nodes BFD declared unreachable: routed as if gone until their BFD session is Up again. */
    private java.util.Set<String> pathDown = java.util.Set.of();

    public HostGwSource(String self, String uplink, Supplier<List<IpPrefix>> connected, RouteReconciler reconciler) {
        this.self = self;
        this.uplink = uplink;
        this.connected = connected;
        this.reconciler = reconciler;
    }

    public void start(NodeDirectory nodeDir, Ipam ipam) {
        reconciler.requireSource(SOURCE);
        nodeDir.subscribe(this::onNodes);
        blockWatch = ipam.watchBlocks(this::onBlocks);
    }

    /** Peers that cannot be reached by a host-gw route, with why. */
    public synchronized SortedMap<String, String> notOnLink() {
        return new TreeMap<>(notOnLink);
    }

    /** The path (native or through which tunnel) to each routed peer. */
    public synchronized SortedMap<String, String> paths() {
        return new TreeMap<>(paths);
    }

    /** Called with every new plan (on the thread that caused it); set before {@link #start}. */
    public synchronized void onPlan(Consumer<HostGwRoutes.Plan> listener) {
        this.planListener = listener;
    }

    /**
     * Makes the first plan wait for the pools ({@link #setPools}) and this node's tunnel state
     * ({@link #setLocalTunnels}) as well: after an agent restart the first routes handed to the reconciler
     * must already be the tunnel routes the kernel holds, or they would be replaced and put back (churn).
     */
    public synchronized void requireOverlayInputs() {
        overlayInputsRequired = true;
    }

    /** The pools' overlay settings changed: recompute. */
    public void setPools(List<PoolSettings> p) {
        synchronized (this) {
            pools = List.copyOf(p);
            poolsSynced = true;
        }
        recompute();
    }

    /** This node's tunnel devices changed readiness: recompute. */
    public void setLocalTunnels(LocalTunnels t) {
        synchronized (this) {
            if (t.equals(tunnels) && tunnelsSynced) {
                return;
            }
            tunnels = t;
            tunnelsSynced = true;
        }
        recompute();
    }

    private void onNodes(Map<String, NodeRecord> n) {
        synchronized (this) {
            nodes = n;
            nodesSynced = true;
        }
        recompute();
    }

    private void onBlocks(BlockEvent ev) {
        synchronized (this) {
            switch (ev) {
                case BlockEvent.Snapshot s -> {
                    blocks.clear();
                    s.blocks().forEach(this::putBlock);
                    blocksSynced = true;
                }
                case BlockEvent.Updated u -> putBlock(u.block());
                case BlockEvent.Removed r -> blocks.remove(r.cidr());
            }
        }
        recompute();
    }

    private void putBlock(Block b) {
        IpPrefix c = b.cidr();
        List<BlockView.Allocation> allocs = new ArrayList<>();
        for (var a : b.allocations()) {
            allocs.add(new BlockView.Allocation(a.address(), a.node()));
        }
        blocks.put(c, new BlockView(c, b.affineNode(), allocs));
    }

    /**
     * Marks nodes whose BFD session says the path is down (RFC 5882: their forwarding is gone): their routes
     * go now instead of when their lease expires; they come back when BFD is Up again.
     */
    public void setPathDown(java.util.Set<String> down) {
        synchronized (this) {
            if (down.equals(pathDown)) {
                return;
            }
            pathDown = java.util.Set.copyOf(down);
        }
        recompute();
    }

    private Map<String, NodeRecord> reachableNodes() {
        if (pathDown.isEmpty()) {
            return nodes;
        }
        Map<String, NodeRecord> m = new TreeMap<>(nodes);
        m.keySet().removeAll(pathDown);
        return m;
    }

    /** Recomputes and hands the routes to the reconciler (memory only). */
    public void recompute() {
        HostGwRoutes.Plan plan;
        boolean ready;
        Consumer<HostGwRoutes.Plan> listener;
        synchronized (this) {
            ready = blocksSynced && nodesSynced && (!overlayInputsRequired || (poolsSynced && tunnelsSynced));
            if (!ready) {
                return;
            }
            plan = HostGwRoutes.compute(self, reachableNodes(), List.copyOf(blocks.values()), uplink, connected.get(), pools, tunnels);
            listener = planListener;
            paths = new TreeMap<>(plan.paths());
            for (var e : plan.notOnLink().entrySet()) {
                if (!e.getValue().equals(notOnLink.get(e.getKey()))) {
                    LOG.log(System.Logger.Level.WARNING, "peer not on-link node={0} reason=\"{1}\"", e.getKey(), e.getValue());
                }
            }
            for (String n : notOnLink.keySet()) {
                if (!plan.notOnLink().containsKey(n)) {
                    LOG.log(System.Logger.Level.INFO, "peer on-link again (or gone) node={0}", n);
                }
            }
            notOnLink = new TreeMap<>(plan.notOnLink());
            // Handed over under the monitor: plans computed on two watch threads must not arrive out of order.
            // Both receivers only change memory (setDesired wakes the reconciler's loop).
            reconciler.setDesired(SOURCE, plan.routes());
            reconciler.markSynced(SOURCE);
            listener.accept(plan);
        }
    }

    /** The node a pod address belongs to, by block affinity or borrowed allocation (for status/ctl). */
    public synchronized Optional<String> ownerOf(java.net.InetAddress ip) {
        for (BlockView b : blocks.values()) {
            if (b.cidr().contains(ip)) {
                for (var a : b.allocations()) {
                    if (a.address().equals(ip)) {
                        return Optional.of(a.node());
                    }
                }
                return b.affinity();
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        if (blockWatch != null) {
            blockWatch.close();
        }
    }
}
