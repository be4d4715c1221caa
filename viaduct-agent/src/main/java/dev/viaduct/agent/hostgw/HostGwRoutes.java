package dev.viaduct.agent.hostgw;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.agent.overlay.EncapPolicy;
import dev.viaduct.agent.overlay.LocalTunnels;
import dev.viaduct.agent.overlay.PathToPeer;
import dev.viaduct.agent.overlay.PoolSettings;
import dev.viaduct.agent.overlay.TunnelKind;
import dev.viaduct.agent.overlay.VxlanPeer;
import dev.viaduct.agent.route.Route;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The desired routes of host-gw mode, computed from node records, IPAM blocks and the pools' overlay
 * settings. Pure function.
 *
 * <ul>
 *   <li>a block affine to another node N: the path to N that {@link EncapPolicy} picks for the block's pool —
 *       {@code block via <N's address> dev <uplink>} when N is in one of this node's directly connected
 *       uplink subnets and the pool does not ask for a tunnel; {@code block via <N's VTEP> dev vxlan.viaduct
 *       onlink} or {@code block via <N's address> dev tunl0 onlink} when it does. A peer no path reaches is
 *       reported by name with the reason and gets no route (a gateway off-link is refused by the kernel
 *       anyway, and Flannel fails silently here);
 *   <li>an address borrowed by N from a block that is not N's: a /32 (/128) to N the same way;
 *   <li>a block affine to this node: {@code blackhole block}, so addresses of our own block that no pod holds
 *       are dropped here instead of following the default route (the pods' /32s are more specific).
 * </ul>
 */
public final class HostGwRoutes {
    private HostGwRoutes() {
    }

    /**
     * The routes plus every peer that could not be routed (by node name, with a reason), the path chosen
     * for each routed peer (for status), and the VXLAN endpoints the routes use (their neighbour and FDB
     * entries must exist).
     */
    public record Plan(List<Route> routes, SortedMap<String, String> notOnLink, SortedMap<String, String> paths,
            List<VxlanPeer> vxlanPeers) {
    }

    /** Plain host-gw: no pool asks for a tunnel. */
    public static Plan compute(String self, Map<String, NodeRecord> nodes, Collection<BlockView> blocks,
            String uplink, List<IpPrefix> connected) {
        return compute(self, nodes, blocks, uplink, connected, List.of(), LocalTunnels.NONE);
    }

    public static Plan compute(String self, Map<String, NodeRecord> nodes, Collection<BlockView> blocks,
            String uplink, List<IpPrefix> connected, List<PoolSettings> pools, LocalTunnels local) {
        List<Route> routes = new ArrayList<>();
        SortedMap<String, String> notOnLink = new TreeMap<>();
        SortedMap<String, TreeSet<String>> paths = new TreeMap<>();
        Map<String, VxlanPeer> vxlanPeers = new TreeMap<>();
        for (BlockView b : blocks) {
            Optional<String> owner = b.affinity();
            Optional<PoolSettings> pool = PoolSettings.containing(pools, b.cidr());
            if (owner.isPresent() && owner.get().equals(self)) {
                routes.add(Route.blackhole(b.cidr()));
            } else if (owner.isPresent()) {
                path(owner.get(), b.cidr().isIpv4(), pool, nodes, connected, uplink, local, notOnLink, paths, vxlanPeers)
                        .ifPresent(p -> routes.add(route(b.cidr(), p, uplink)));
            }
            for (BlockView.Allocation a : b.allocations()) {
                if (a.node().equals(self) || owner.map(a.node()::equals).orElse(false)) {
                    continue; // ours (a local pod route covers it) or covered by the block route
                }
                path(a.node(), b.cidr().isIpv4(), pool, nodes, connected, uplink, local, notOnLink, paths, vxlanPeers)
                        .ifPresent(p -> routes.add(route(IpPrefix.host(a.address()), p, uplink)));
            }
        }
        SortedMap<String, String> pathText = new TreeMap<>();
        paths.forEach((n, s) -> pathText.put(n, String.join("; ", s)));
        return new Plan(routes, notOnLink, pathText, List.copyOf(vxlanPeers.values()));
    }

    private static Route route(IpPrefix dst, PathToPeer p, String uplink) {
        return switch (p) {
            case PathToPeer.Native n -> Route.via(dst, n.gateway(), uplink);
            case PathToPeer.Vxlan v -> onlink(dst, v.peer().vtep(), TunnelKind.VXLAN.device());
            case PathToPeer.Ipip i -> onlink(dst, i.underlay(), TunnelKind.IPIP.device());
            case PathToPeer.Unroutable u -> throw new IllegalArgumentException("no route for an unroutable peer");
        };
    }

    /** {@code dst via gw dev tunnel onlink}: the gateway is no address of a connected subnet, so onlink. */
    private static Route onlink(IpPrefix dst, InetAddress gw, String device) {
        return new Route(dst, Route.Type.UNICAST, Route.Scope.UNIVERSE, List.of(Route.NextHop.onlinkVia(gw, device)),
                Route.MAIN_TABLE);
    }

    private static Optional<PathToPeer> path(String node, boolean ipv4, Optional<PoolSettings> pool,
            Map<String, NodeRecord> nodes, List<IpPrefix> connected, String uplink, LocalTunnels local,
            SortedMap<String, String> notOnLink, SortedMap<String, TreeSet<String>> paths, Map<String, VxlanPeer> vxlanPeers) {
        NodeRecord n = nodes.get(node);
        if (n == null) {
            return Optional.empty(); // node gone (lease expired): its routes must go
        }
        PathToPeer p = EncapPolicy.decide(pool, ipv4, n, connected, uplink, local);
        if (p instanceof PathToPeer.Unroutable u) {
            notOnLink.put(node, u.reason());
            return Optional.empty();
        }
        if (p instanceof PathToPeer.Vxlan v) {
            vxlanPeers.put(node + " " + v.peer().vtep().getHostAddress(), v.peer()); // one per family the peer is reached in
        }
        paths.computeIfAbsent(node, k -> new TreeSet<>()).add(p.describe());
        return Optional.of(p);
    }
}
