package dev.viaduct.ctl;

import dev.viaduct.store.JsonTrees;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * One agent's {@code /status}, decoded into immutable values: what the agent wants in the kernel
 * ({@link #desired}), what the kernel has right now ({@link #kernel}, the node's whole main table), its
 * links, pod endpoints and BGP peers. {@code docs/operations.md} documents the JSON; fields this version of
 * ctl does not know are ignored, missing optional ones read as empty, so ctl and agents of neighbouring
 * versions work together.
 */
public record AgentStatus(String node, String mode, boolean ready, String notReady, String uplink, List<IpPrefix> addresses,
        String agentVersion, int routeProtocol, List<Route> desired, List<Route> kernel, String kernelError,
        List<Link> links, List<Endpoint> endpoints, Map<String, String> routeProblems, Map<String, String> notOnLink,
        List<Peer> peers, long routesDrifted, List<PendingRelease> pendingReleases) {
    public AgentStatus {
        addresses = List.copyOf(addresses);
        desired = List.copyOf(desired);
        kernel = List.copyOf(kernel);
        links = List.copyOf(links);
        endpoints = List.copyOf(endpoints);
        routeProblems = Map.copyOf(routeProblems);
        notOnLink = Map.copyOf(notOnLink);
        peers = List.copyOf(peers);
        pendingReleases = List.copyOf(pendingReleases);
    }

    /** A deleted pod's address release the agent owes the store (it was unreachable at the DEL). */
    public record PendingRelease(String handle, String recorded) {
    }

    /** One next hop: gateway and/or device; flags as the kernel reports them. */
    public record Hop(Optional<InetAddress> gateway, Optional<String> device, boolean onlink, boolean linkDown,
            boolean dead) {
        /** The forwarding decision only (the kernel's linkdown/dead flags are state, not configuration). */
        Hop forwarding() {
            return new Hop(gateway, device, onlink, false, false);
        }

        @Override
        public String toString() {
            return gateway.map(g -> "via " + g.getHostAddress() + " ").orElse("") + device.map(d -> "dev " + d).orElse("")
                    + (onlink ? " onlink" : "");
        }
    }

    /**
     * A route (desired or in the kernel).
     *
     * @param type     the kernel's route type: unicast, blackhole, unreachable, prohibit, local, ...
     * @param scope    global, link, host
     * @param protocol rtm_protocol (86 = Viaduct by default; 2 kernel, 3 boot, 4 static, 186 bgp ...)
     * @param source   for desired routes, the route source that wants it (pods, hostgw, bgp ...); else empty
     */
    public record Route(IpPrefix destination, String type, String scope, long table, int protocol, long metric,
            List<Hop> nextHops, String text, String source) {
        public Route {
            nextHops = List.copyOf(nextHops);
            source = source == null ? "" : source;
        }

        public boolean isUnicast() {
            return type.equals("unicast");
        }

        /** Whether packets to {@code ip} can match this route. */
        public boolean covers(InetAddress ip) {
            return destination.contains(ip);
        }

        /** Same forwarding as {@code o}: type, scope and the set of next hops (ECMP order and kernel flags aside). */
        public boolean sameForwarding(Route o) {
            return destination.equals(o.destination) && type.equals(o.type) && scope.equals(o.scope)
                    && new HashSet<>(nextHops.stream().map(Hop::forwarding).toList())
                            .equals(new HashSet<>(o.nextHops.stream().map(Hop::forwarding).toList()));
        }

        /** What the route does, without its destination: {@code via 10.168.0.13 dev eth0}, {@code blackhole}. */
        public String forwarding() {
            if (!isUnicast()) {
                return type;
            }
            StringBuilder sb = new StringBuilder();
            if (nextHops.size() == 1) {
                sb.append(nextHops.getFirst());
            } else {
                nextHops.forEach(h -> sb.append(sb.isEmpty() ? "" : " ").append("nexthop ").append(h));
            }
            if (scope.equals("link")) {
                sb.append(" scope link");
            }
            return sb.toString();
        }

        /** {@code ip route} syntax without the protocol, for messages that compare desired and kernel routes. */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            if (!isUnicast()) {
                sb.append(type).append(' ');
            }
            sb.append(destination.isHost() ? destination.addressText() : destination.toString());
            if (nextHops.size() == 1) {
                sb.append(' ').append(nextHops.getFirst());
            } else {
                nextHops.forEach(h -> sb.append(" nexthop ").append(h));
            }
            if (scope.equals("link")) {
                sb.append(" scope link");
            }
            return sb.toString();
        }

        @Override
        public String toString() {
            return text.isEmpty() ? describe() : text;
        }
    }

    /** A network device: {@code kind} is empty for NICs and loopback, else veth, vxlan, ipip, bridge ... */
    public record Link(String name, int index, String kind, boolean up, String operState, int mtu) {
        /** Whether the device encapsulates (a tunnel), so a route over it is an overlay hop. */
        public boolean isTunnel() {
            return switch (kind) {
                case "vxlan", "ipip", "gre", "gretap", "ip6tnl", "sit", "wireguard", "geneve", "ip6gre" -> true;
                default -> false;
            };
        }
    }

    /** A pod interface on the node: its IPAM handle, host-side veth and addresses. */
    public record Endpoint(String handle, String hostVeth, List<InetAddress> addresses) {
        public Endpoint {
            addresses = List.copyOf(addresses);
        }
    }

    /** A BGP session (BGP mode). */
    public record Peer(String name, String address, long asn, String state, long uptimeSeconds, long prefixesReceived,
            long prefixesAccepted, long prefixesAdvertised, String lastError) {
        public boolean established() {
            return state.equalsIgnoreCase("Established");
        }
    }

    /** The link named {@code name}, if the node has it. */
    public Optional<Link> link(String name) {
        return links.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    /** The most specific route of {@code routes} for {@code ip} (lowest metric among equals), as the FIB picks it. */
    public static Optional<Route> longestMatch(List<Route> routes, InetAddress ip) {
        Route best = null;
        for (Route r : routes) {
            if (!r.covers(ip)) {
                continue;
            }
            if (best == null || r.destination().length() > best.destination().length()
                    || (r.destination().length() == best.destination().length() && r.metric() < best.metric())) {
                best = r;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Whether a kernel route is one of this agent's (carries its protocol number). */
    public boolean owned(Route kernelRoute) {
        return kernelRoute.protocol() == routeProtocol;
    }

    /** Decodes {@code json} as returned by {@code GET /status} of the agent at {@code from} (named in errors). */
    public static AgentStatus parse(String json, String from) {
        JsonNode root;
        try {
            root = JsonTrees.read(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("status from " + from + " is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("status from " + from + " is not a JSON object");
        }
        try {
            return decode(new JsonFields(root, ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("status from " + from + ": " + e.getMessage(), e);
        }
    }

    static AgentStatus decode(JsonFields f) {
        int protocol = (int) f.number("routeProtocol", 86);
        List<IpPrefix> addresses = f.strings("addresses").stream().map(s -> {
            try {
                return IpPrefix.parse(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f.path("addresses") + ": " + e.getMessage());
            }
        }).toList();
        return new AgentStatus(f.string("node"), f.string("mode", ""), f.bool("ready", false), f.string("notReady", ""),
                f.string("uplink", ""), addresses, f.string("agentVersion", ""), protocol,
                f.list("desiredRoutes", r -> route(r, protocol)), f.list("kernelRoutes", r -> route(r, -1)),
                f.string("kernelError", ""), f.list("links", AgentStatus::link), f.list("endpoints", AgentStatus::endpoint),
                f.stringMap("routeProblems"), f.stringMap("peersNotOnLink"), f.list("peers", AgentStatus::peer),
                f.number("routesDrifted", 0),
                f.list("pendingReleases", p -> new PendingRelease(p.string("handle"), p.string("recorded", ""))));
    }

    private static Route route(JsonFields r, int defaultProtocol) {
        List<Hop> hops = r.list("nextHops", h -> new Hop(h.address("gateway"), Optional.ofNullable(h.string("device", null)),
                h.bool("onlink", false), h.bool("linkDown", false), h.bool("dead", false)));
        String type = r.string("type", "unicast");
        return new Route(r.cidr("destination"), type, r.string("scope", "global"), r.number("table", 254),
                (int) r.number("protocol", defaultProtocol), r.number("metric", 0), hops, r.string("text", ""),
                r.string("source", ""));
    }

    private static Link link(JsonFields l) {
        return new Link(l.string("name"), (int) l.number("index", 0), l.string("kind", ""), l.bool("up", false),
                l.string("operState", ""), (int) l.number("mtu", 0));
    }

    private static Endpoint endpoint(JsonFields e) {
        List<InetAddress> addrs = e.strings("addresses").stream().map(s -> {
            try {
                return IpAddresses.parse(s);
            } catch (IllegalArgumentException x) {
                throw new IllegalArgumentException(e.path("addresses") + ": " + x.getMessage());
            }
        }).toList();
        return new Endpoint(e.string("handle"), e.string("hostVeth", ""), addrs);
    }

    static Peer peer(JsonFields p) {
        return new Peer(p.string("name", ""), p.string("address"), p.number("asn", 0), p.string("state"),
                p.number("uptimeSeconds", 0), p.number("prefixesReceived", 0), p.number("prefixesAccepted", 0),
                p.number("prefixesAdvertised", 0), p.string("lastError", ""));
    }
}
