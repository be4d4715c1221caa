package dev.viaduct.agent.ops;

import dev.viaduct.agent.route.Route;
import dev.viaduct.netlink.Link;
import dev.viaduct.netlink.Nexthop;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The route and link objects of {@code /status} — one shape for the routes the agent wants and the routes
 * the kernel has, so {@code viaduct ctl} compares like with like:
 * <pre>{@code
 * {"destination": "10.244.1.0/26", "type": "unicast", "scope": "global", "table": 254, "protocol": 86,
 *  "metric": 0, "nextHops": [{"gateway": "10.168.0.12", "device": "eth0", "onlink": false}],
 *  "text": "10.244.1.0/26 via 10.168.0.12 dev eth0 proto viaduct"}
 * }</pre>
 * {@code type} is the kernel's RTN_* name in lower case, {@code scope} as {@code ip route} prints it
 * ({@code global}, {@code link}, {@code host}), {@code protocol} the rtm_protocol number. Next hops carry
 * {@code linkDown}/{@code dead} when the kernel flags them (RTNH_F_LINKDOWN: the device has no carrier and
 * {@code ignore_routes_with_linkdown} may skip it). A desired route adds {@code source}, the route source
 * that wants it ({@code pods}, {@code hostgw}, {@code bgp}, ...).
 */
public final class StatusJson {
    private StatusJson() {
    }

    /**
     * One BGP session, as the agent's and the standalone speaker's {@code /status} list it: name, address,
     * asn, state, uptimeSeconds, prefixesReceived / Accepted / Advertised, lastError ("" when none).
     */
    public static ObjectNode peer(ObjectNode po, dev.viaduct.bgp.speaker.PeerStatus ps) {
        po.put("name", ps.name());
        po.put("address", ps.address().getHostAddress());
        po.put("asn", ps.asn());
        po.put("state", ps.state());
        po.put("uptimeSeconds", ps.uptime().toSeconds());
        po.put("prefixesReceived", ps.received());
        po.put("prefixesAccepted", ps.accepted());
        po.put("prefixesAdvertised", ps.advertised());
        po.put("lastError", ps.lastError() == null ? "" : ps.lastError());
        return po;
    }

    /** A route the agent wants, carrying the agent's protocol number. */
    public static void desired(ObjectNode o, Route r, int protocol, String source) {
        o.put("destination", r.destination().toString());
        o.put("type", r.type().name().toLowerCase(Locale.ROOT));
        o.put("scope", r.scope() == Route.Scope.LINK ? "link" : "global");
        o.put("table", r.table());
        o.put("protocol", protocol);
        o.put("metric", 0);
        ArrayNode hops = o.putArray("nextHops");
        for (Route.NextHop h : r.nextHops()) {
            ObjectNode n = hops.addObject();
            h.gateway().ifPresent(g -> n.put("gateway", IpAddresses.format(g)));
            h.device().ifPresent(d -> n.put("device", d));
            n.put("onlink", h.onlink());
        }
        o.put("text", r.toString());
        if (source != null) {
            o.put("source", source);
        }
    }

    /** A route as the kernel reported it, with device indexes resolved to names through {@code names}. */
    public static void kernel(ObjectNode o, dev.viaduct.netlink.Route r, Map<Integer, String> names) {
        IpPrefix dst = r.destination();
        o.put("destination", dst.toString());
        o.put("type", r.type().name().toLowerCase(Locale.ROOT));
        o.put("scope", r.scope().toString());
        o.put("table", Integer.toUnsignedLong(r.table()));
        o.put("protocol", r.protocol().code());
        o.put("metric", r.metric());
        ArrayNode hops = o.putArray("nextHops");
        for (Nexthop h : r.nexthops()) {
            ObjectNode n = hops.addObject();
            if (h.gateway() != null) {
                n.put("gateway", IpAddresses.format(h.gateway()));
            }
            if (h.ifindex() > 0) {
                n.put("device", deviceName(names, h.ifindex()));
            }
            n.put("onlink", h.has(Nexthop.ONLINK));
            if (h.has(Nexthop.LINKDOWN)) {
                n.put("linkDown", true);
            }
            if (h.has(Nexthop.DEAD)) {
                n.put("dead", true);
            }
            if (r.nexthops().size() > 1) {
                n.put("weight", h.weight());
            }
        }
        o.put("text", r.text(i -> deviceName(names, i)));
    }

    private static String deviceName(Map<Integer, String> names, int ifindex) {
        return names.getOrDefault(ifindex, "if" + ifindex);
    }

    /** A network device: enough to tell a tunnel from a NIC, a missing veth and a device that is down. */
    public static void link(ObjectNode o, Link l) {
        o.put("name", l.name());
        o.put("index", l.index());
        o.put("kind", l.kind());
        o.put("up", l.isUp());
        o.put("operState", l.operState().toString().toLowerCase(Locale.ROOT));
        o.put("mtu", l.mtu());
    }

    /** The kernel part of {@code /status}: {@code kernelRoutes} (main table, sorted) and {@code links}. */
    public static void kernelSnapshot(ObjectNode o, KernelInspector.Snapshot snap) {
        Map<Integer, String> names = new HashMap<>();
        snap.links().forEach(l -> names.put(l.index(), l.name()));
        ArrayNode routes = o.putArray("kernelRoutes");
        snap.routes().stream()
                .sorted(Comparator.comparing(dev.viaduct.netlink.Route::destination).thenComparingLong(dev.viaduct.netlink.Route::metric))
                .forEach(r -> kernel(routes.addObject(), r, names));
        ArrayNode links = o.putArray("links");
        snap.links().stream().sorted(Comparator.comparingInt(Link::index)).forEach(l -> link(links.addObject(), l));
    }

    /**
     * The URL other hosts reach this agent's HTTP endpoints at: the listen address, or — when it listens on
     * every address — the node's own address. Empty when the agent serves no HTTP or picked a random port.
     */
    public static Optional<String> agentUrl(Optional<String> listenHost, int port, List<IpPrefix> nodeAddresses) {
        if (listenHost.isEmpty() || port <= 0) {
            return Optional.empty();
        }
        String host = listenHost.get().strip();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty() || host.equals("*") || host.equals("0.0.0.0") || host.equals("::")) {
            if (nodeAddresses.isEmpty()) {
                return Optional.empty();
            }
            host = nodeAddresses.getFirst().addressText();
        }
        boolean v6 = host.contains(":");
        return Optional.of("http://" + (v6 ? "[" + host + "]" : host) + ":" + port);
    }
}
