package dev.viaduct.agent.overlay;

import dev.viaduct.agent.hostgw.HostGwSource;
import dev.viaduct.agent.nat.NatOutgoing;
import dev.viaduct.agent.nat.NftCommand;
import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.agent.node.NodeRegistration;
import dev.viaduct.agent.node.Uplink;
import dev.viaduct.agent.node.UplinkMonitor;
import dev.viaduct.agent.ops.AgentMetrics;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.store.Watch;
import dev.viaduct.sys.net.IpPrefix;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Consumer;
import tools.jackson.databind.node.ObjectNode;

/**
 * The agent's overlay and NAT wiring in one place: the pool watch feeding the overlay controller, natOutgoing
 * and the route source; the overlay controller's VTEP going into the node record; the route source's plans
 * going to the controller (which VXLAN peers need entries); the uplink monitor making node addresses, routes
 * and tunnels follow address changes. The agent calls {@link #open} before registering the node (a restarted
 * agent registers with the VTEP its device already has), {@link #start} before starting the route source.
 *
 * <p>Concurrency: each component has its own thread (see their class comments); this class only connects them.
 * Node-record updates from two threads (VTEP, addresses) are made atomic by holding the registration's lock.
 */
public final class OverlayPlane implements AutoCloseable {
    private final String node;
    private final int configuredMtu;
    private final Duration resync;
    private final NetNamespace ns;
    private final NetlinkOverlayKernel kernel;
    private final Optional<NodeRecord.Vtep> initialVtep;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private OverlayController controller;
    private NatOutgoing nat;
    private UplinkMonitor uplinkMonitor;

    private OverlayPlane(String node, int configuredMtu, Duration resync, NetNamespace ns) {
        this.node = node;
        this.configuredMtu = configuredMtu;
        this.resync = resync;
        this.ns = ns;
        this.kernel = new NetlinkOverlayKernel(ns);
        this.initialVtep = OverlayController.existingVtep(kernel, node);
    }

    /** Opens the kernel view and reads the VTEP a previous run left on {@code vxlan.viaduct}. */
    public static OverlayPlane open(NetNamespace ns, String node, int configuredMtu, Duration resyncInterval) {
        return new OverlayPlane(node, configuredMtu, resyncInterval, ns);
    }

    /** The VTEP to register the node with (empty when no VXLAN device is up). */
    public Optional<NodeRecord.Vtep> initialVtep() {
        return initialVtep;
    }

    /**
     * Starts everything and connects it to the route source. Call before {@code hostGw.start}: the route source
     * then waits for the pools and this node's tunnel state before its first plan.
     *
     * @param uplinkChanged told first when the uplink changes (the agent keeps its copy)
     */
    public void start(Ipam ipam, NodeRegistration reg, HostGwSource hostGw, Uplink uplink, UplinkMonitor.Detector detector,
            Consumer<Uplink> uplinkChanged) throws OverlayKernel.OverlayException {
        controller = new OverlayController(node, uplink, kernel, new IpamTunnelAddresses(ipam), initialVtep,
                v -> {
                    synchronized (reg) {
                        reg.modify(r -> r.withVtep(v.orElse(null)));
                    }
                }, hostGw::setLocalTunnels, configuredMtu, resync);
        hostGw.requireOverlayInputs();
        hostGw.onPlan(p -> controller.setVxlanPeers(p.vxlanPeers()));
        nat = new NatOutgoing(NftCommand.locate(), resync);
        controller.start();
        closeables.add(controller);
        nat.start();
        closeables.add(nat);
        Watch pools = ipam.watchPools(ps -> {
            List<PoolSettings> settings = ps.stream().map(PoolSettings::of).toList();
            controller.setPools(settings);
            nat.setPools(settings);
            hostGw.setPools(settings);
        });
        closeables.add(pools);
        uplinkMonitor = new UplinkMonitor(ns, uplink, detector, u -> {
            uplinkChanged.accept(u);
            synchronized (reg) {
                reg.modify(r -> r.withAddresses(u.addresses().stream().map(IpPrefix::toString).toList()));
            }
            controller.setUplink(u);
            hostGw.recompute();
        });
        uplinkMonitor.start();
        closeables.add(uplinkMonitor);
    }

    /** The MTU for new pods. */
    public int podMtu() {
        return controller.podMtu();
    }

    /** Overlay, NAT and uplink state for /status. */
    public void writeStatus(ObjectNode o, SortedMap<String, String> peerPaths) {
        ObjectNode ov = o.putObject("overlay");
        controller.writeStatus(ov);
        var paths = ov.putObject("peerPaths");
        peerPaths.forEach(paths::put);
        ObjectNode n = o.putObject("natOutgoing");
        var st = n.putObject("tables");
        nat.state().forEach(st::put);
        n.put("problem", nat.problem());
        o.put("uplinkProblem", uplinkMonitor.problem());
    }

    public void registerMetrics(AgentMetrics metrics) {
        metrics.gauge("viaduct_overlay_vxlan_peers", "Peers reached through VXLAN (neighbour + FDB entries wanted)",
                () -> controller.vxlanPeerCount());
        metrics.gauge("viaduct_overlay_problems", "Overlay problems (device refused, no ipip support, IPAM unreachable)",
                () -> controller.problems().size());
        metrics.counter("viaduct_overlay_entry_changes", "VXLAN neighbour/FDB entries added, replaced or removed",
                () -> controller.entryChanges.get());
        metrics.counter("viaduct_overlay_device_changes", "Tunnel devices created, re-created, reconfigured or removed",
                () -> controller.deviceChanges.get());
        metrics.gauge("viaduct_nat_outgoing_pools", "Pools with natOutgoing", () -> nat.natPools());
        metrics.counter("viaduct_nat_table_writes", "nftables NAT tables written or deleted (drift repairs included)",
                () -> nat.writes.get());
        metrics.gauge("viaduct_nat_problem", "1 while natOutgoing cannot be applied (nft missing or refusing)",
                () -> nat.problem().isEmpty() ? 0 : 1);
    }

    /**
     * Node decommissioning (never a plain stop): stops the loops, then withdraws the VTEP, deletes the tunnel
     * devices (their routes and entries go with them), releases the tunnel addresses and deletes the NAT tables.
     * Call before the node is deregistered (the VTEP is withdrawn through the registration), instead of
     * {@link #close}.
     */
    public void decommission() throws Exception {
        stopLoops();
        try {
            controller.removeAll();
            nat.removeAll();
        } finally {
            kernel.close();
        }
    }

    /** Watches the overlay's, NAT's and uplink monitor's loops. Call after {@link #start}. */
    public void registerLiveness(dev.viaduct.ops.Liveness liveness, java.util.function.Supplier<Duration> deadline) {
        liveness.register("overlay-controller", deadline, controller::stalledSince);
        liveness.register("nat-outgoing", deadline, nat::stalledSince);
        liveness.register("uplink-monitor", deadline, uplinkMonitor::stalledSince);
    }

    /** Stops the loops; devices, entries, tables and the VTEP stay (an agent restart must not cut traffic). */
    @Override
    public void close() {
        stopLoops();
        kernel.close();
    }

    private void stopLoops() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                System.getLogger("viaduct.overlay").log(System.Logger.Level.WARNING, "closing {0}: {1}",
                        closeables.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        closeables.clear();
    }
}
