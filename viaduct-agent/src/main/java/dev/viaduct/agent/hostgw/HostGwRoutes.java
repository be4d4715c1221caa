package dev.viaduct.agent.hostgw;

import dev.viaduct.agent.net.Cidr;
import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.agent.route.Route;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The desired routes of host-gw mode, computed from node records and IPAM blocks. Pure function.
 *
 * <ul>
 *   <li>a block affine to another node N: {@code block via <N's address> dev <uplink>}, if N's address is
 *       in one of this node's directly connected uplink subnets; otherwise N is reported as not on-link and
 *       gets no route (a gateway off-link is refused by the kernel anyway, and Flannel fails silently here);
 *   <li>an address borrowed by N from a block that is not N's: a /32 (/128) via N the same way;
 *   <li>a block affine to this node: {@code blackhole block}, so addresses of our own block that no pod holds
 *       are dropped here instead of following the default route (the pods' /32s are more specific).
 * </ul>
 */
public final class HostGwRoutes {
    private HostGwRoutes() {
    }

    /** The routes plus every peer that could not be routed, by node name, with a reason. */
    public record Plan(List<Route> routes, SortedMap<String, String> notOnLink) {
    }

    public static Plan compute(String self, Map<String, NodeRecord> nodes, Collection<BlockView> blocks,
            String uplink, List<Cidr> connected) {
        List<Route> routes = new ArrayList<>();
        SortedMap<String, String> notOnLink = new TreeMap<>();
        for (BlockView b : blocks) {
            Optional<String> owner = b.affinity();
            if (owner.isPresent() && owner.get().equals(self)) {
                routes.add(Route.blackhole(b.cidr()));
            } else if (owner.isPresent()) {
                gateway(owner.get(), b.cidr().isIpv4(), nodes, connected, uplink, notOnLink)
                        .ifPresent(gw -> routes.add(Route.via(b.cidr(), gw, uplink)));
            }
            for (BlockView.Allocation a : b.allocations()) {
                if (a.node().equals(self) || owner.map(a.node()::equals).orElse(false)) {
                    continue; // ours (a local pod route covers it) or covered by the block route
                }
                gateway(a.node(), b.cidr().isIpv4(), nodes, connected, uplink, notOnLink)
                        .ifPresent(gw -> routes.add(Route.via(Cidr.host(a.address()), gw, uplink)));
            }
        }
        return new Plan(routes, notOnLink);
    }

    private static Optional<InetAddress> gateway(String node, boolean ipv4, Map<String, NodeRecord> nodes,
            List<Cidr> connected, String uplink, SortedMap<String, String> notOnLink) {
        NodeRecord n = nodes.get(node);
        if (n == null) {
            return Optional.empty(); // node gone (lease expired): its routes must go
        }
        Optional<Cidr> addr;
        try {
            addr = n.address(ipv4);
        } catch (IllegalArgumentException e) {
            notOnLink.put(node, "its node record has an unparsable address: " + e.getMessage());
            return Optional.empty();
        }
        if (addr.isEmpty()) {
            notOnLink.put(node, "it has no " + (ipv4 ? "IPv4" : "IPv6") + " address");
            return Optional.empty();
        }
        InetAddress gw = addr.get().address();
        for (Cidr c : connected) {
            if (c.contains(gw)) {
                return Optional.of(gw);
            }
        }
        notOnLink.put(node, gw.getHostAddress() + " is not in a directly connected subnet of " + uplink + " "
                + connected.stream().map(c -> c.network().toString()).toList()
                + ": host-gw needs all nodes on one L2 segment (use BGP or a VXLAN/IPIP overlay)");
        return Optional.empty();
    }
}
