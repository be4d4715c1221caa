package dev.viaduct.ctl;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.agent.route.Route;
import dev.viaduct.ctl.Explanation.Place;
import dev.viaduct.ctl.Explanation.Step;
import dev.viaduct.ctl.Explanation.Verdict;
import dev.viaduct.ipam.Block;
import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Pool;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Walks the path between two pod addresses the way the kernels will forward it, and names the first piece
 * that is missing or wrong. Pure apart from the {@code status} function it is given (one agent status per
 * node, fetched lazily, each at most once).
 *
 * <ol>
 *   <li>Where each address lives: its pool, its block, the allocation (handle, node, pod) and that node's
 *       record. An address in no pool, not allocated, or on a node without a record ends the walk there.
 *   <li>On each node from the source's node on: the route the kernel would use for the destination (longest
 *       prefix match over the node's whole main table, foreign routes included) against the route the node's
 *       agent wants (longest match over its desired routes). Missing, foreign, overridden, stale, blackholed,
 *       or over a device that is missing or down: broken, with the expected route named. Otherwise the next
 *       hop is resolved to a node by its addresses or its VXLAN endpoint; a next hop that is no node is a
 *       router ctl cannot look into (BGP with top-of-rack routers), assumed to deliver to the destination's
 *       node. Tunnel devices mark the hop as encapsulated.
 *   <li>On the destination's node: the pod's endpoint, its host route {@code podIP dev vdc... scope link},
 *       and its interface (exists, up).
 *   <li>The same back, since a reply needs the return path as much as the request needs the forward one.
 * </ol>
 *
 * <p>This follows the routes the agents want and the routes the kernels have, whichever route source (host-gw,
 * BGP) or overlay produced them. It does not evaluate policy routing rules, firewall rules or the pod's own
 * namespace (its default route via 169.254.1.1 is the CNI plugin's, checked by CNI CHECK).
 */
public final class PathExplainer {
    private static final int MAX_HOPS = 8;

    private final List<Pool> pools;
    private final List<Block> blocks;
    private final Map<String, Handle> handles = new HashMap<>();
    private final Map<String, NodeRecord> nodes = new TreeMap<>(CtlText.NATURAL);
    private final Function<NodeRecord, AgentStatus> status;
    private final Map<String, Object> statusCache = new HashMap<>();

    /**
     * @param status the agent status of a node; throws {@link CtlException} when the agent cannot be asked
     */
    public PathExplainer(List<Pool> pools, List<Block> blocks, List<Handle> handles, List<NodeRecord> nodes,
            Function<NodeRecord, AgentStatus> status) {
        this.pools = List.copyOf(pools);
        this.blocks = List.copyOf(blocks);
        handles.forEach(h -> this.handles.put(h.id(), h));
        nodes.forEach(n -> this.nodes.put(n.name(), n));
        this.status = status;
    }

    /** The explanation for traffic between {@code a} and {@code b} (both directions). */
    public Explanation explain(InetAddress a, InetAddress b) {
        List<String> problems = new ArrayList<>();
        List<String> unknowns = new ArrayList<>();
        Located la = locate(a);
        Located lb = locate(b);
        la.problem().ifPresent(problems::add);
        lb.problem().ifPresent(problems::add);
        List<Step> forward = new ArrayList<>();
        List<Step> back = new ArrayList<>();
        if (problems.isEmpty()) {
            walk(la.node().orElseThrow(), b, lb.node().orElseThrow(), forward, problems, unknowns);
            walk(lb.node().orElseThrow(), a, la.node().orElseThrow(), back, problems, unknowns);
        }
        return new Explanation(la.place(), lb.place(), forward, back, problems, unknowns);
    }

    // ------------------------------------------------------------------ where an address lives

    private record Located(Place place, Optional<String> node, Optional<String> problem) {
    }

    private Located locate(InetAddress ip) {
        String text = ip.getHostAddress();
        Optional<Pool> pool = pools.stream().filter(p -> p.cidr().contains(ip)).findFirst();
        if (pool.isEmpty()) {
            String known = pools.isEmpty() ? "there are no pools" : "pools: "
                    + pools.stream().map(p -> p.cidr().toString()).collect(Collectors.joining(", "));
            String why = text + " is not in any Viaduct pool (" + known + ")";
            return new Located(place(ip, null, null, null, null, "not in any pool"), Optional.empty(), Optional.of(why));
        }
        Optional<Block> block = blocks.stream().filter(x -> x.cidr().contains(ip)).findFirst();
        if (block.isEmpty()) {
            String why = text + " is in pool " + pool.get().cidr() + " but in no IPAM block: no pod has this address";
            return new Located(place(ip, null, null, null, null, "in pool " + pool.get().cidr() + ", no block"),
                    Optional.empty(), Optional.of(why));
        }
        IpPrefix blockCidr = block.get().cidr();
        String owner = block.get().affineNode().map(n -> "node " + n + "'s").orElse("an unaffine");
        Optional<Block.Allocation> alloc = block.get().allocation(ip);
        if (alloc.isEmpty()) {
            String why = text + " is not allocated: no pod has this address (it is in " + owner + " block " + blockCidr + ")";
            return new Located(place(ip, null, null, blockCidr, null, "free address in " + owner + " block " + blockCidr),
                    Optional.empty(), Optional.of(why));
        }
        String node = alloc.get().node();
        String pod = podName(alloc.get().handle());
        String who = pod == null ? "handle " + alloc.get().handle() : "pod " + pod;
        boolean borrowed = block.get().affinity() == null || !node.equals(block.get().affinity());
        String summary = who + " on node " + node + " (block " + blockCidr + (borrowed ? ", borrowed from " + owner + " block" : "") + ")";
        Place place = place(ip, node, pod, blockCidr, alloc.get().handle(), summary);
        if (!nodes.containsKey(node)) {
            String why = who + " (" + text + ") is on node " + node + ", which has no node record: its agent has been down"
                    + " longer than its lease, or the node was removed";
            return new Located(place, Optional.empty(), Optional.of(why));
        }
        return new Located(place, Optional.of(node), Optional.empty());
    }

    private String podName(String handle) {
        Handle h = handles.get(handle);
        if (h == null) {
            return null;
        }
        String pod = h.attributes().get("pod");
        String ns = h.attributes().get("podNamespace");
        return pod == null ? null : ns == null ? pod : ns + "/" + pod;
    }

    private static Place place(InetAddress ip, String node, String pod, IpPrefix block, String handle, String summary) {
        return new Place(ip, Optional.ofNullable(node), Optional.ofNullable(pod), Optional.ofNullable(block),
                Optional.ofNullable(handle), summary);
    }

    // ------------------------------------------------------------------ the walk

    private Optional<AgentStatus> statusOf(String node, List<Step> steps, List<String> unknowns) {
        Object cached = statusCache.computeIfAbsent(node, n -> {
            try {
                return status.apply(nodes.get(n));
            } catch (CtlException e) {
                return e;
            }
        });
        if (cached instanceof CtlException e) {
            unknown(steps, unknowns, new Step(node, "route", Verdict.UNKNOWN, "", "", "none", "",
                    "cannot check node " + node + ": " + e.getMessage()));
            return Optional.empty();
        }
        return Optional.of((AgentStatus) cached);
    }

    private void walk(String from, InetAddress dst, String target, List<Step> steps, List<String> problems, List<String> unknowns) {
        Set<String> visited = new LinkedHashSet<>();
        String current = from;
        for (int hop = 0; hop < MAX_HOPS; hop++) {
            if (!visited.add(current)) {
                broken(steps, problems, new Step(current, "route", Verdict.BROKEN, "", "", "none", "",
                        "routing loop for " + dst.getHostAddress() + ": " + String.join(" -> ", visited) + " -> " + current));
                return;
            }
            Optional<AgentStatus> st = statusOf(current, steps, unknowns);
            if (st.isEmpty()) {
                return;
            }
            if (current.equals(target)) {
                deliver(st.get(), dst, steps, problems, unknowns);
                return;
            }
            Optional<String> next = route(st.get(), current, dst, target, steps, problems, unknowns);
            if (next.isEmpty()) {
                return;
            }
            current = next.get();
        }
        broken(steps, problems, new Step(current, "route", Verdict.BROKEN, "", "", "none", "",
                "more than " + MAX_HOPS + " hops towards " + dst.getHostAddress() + ": " + String.join(" -> ", visited)));
    }

    private static void broken(List<Step> steps, List<String> problems, Step s) {
        steps.add(s);
        problems.add(s.detail());
    }

    private static void unknown(List<Step> steps, List<String> unknowns, Step s) {
        steps.add(s);
        if (!unknowns.contains(s.detail())) {
            unknowns.add(s.detail());
        }
    }

    /** One forwarding decision on a node that is not the destination's; returns the next node, or empty to stop. */
    private Optional<String> route(AgentStatus s, String node, InetAddress dst, String target, List<Step> steps,
            List<String> problems, List<String> unknowns) {
        String d = dst.getHostAddress();
        Optional<AgentStatus.Route> want = AgentStatus.longestMatch(s.desired(), dst);
        Optional<AgentStatus.Route> have = AgentStatus.longestMatch(s.kernel(), dst);
        String expected = want.map(AgentStatus.Route::describe).orElse("");
        if (!s.kernelError().isEmpty()) {
            unknown(steps, unknowns, new Step(node, "route", Verdict.UNKNOWN, "", expected, "none", "",
                    "node " + node + "'s agent could not read its kernel: " + s.kernelError()));
            return Optional.empty();
        }
        String agentSays = want.map(w -> s.routeProblems().get(w.destination().toString()))
                .map(p -> "; its agent reports: " + p).orElse("");
        if (have.isEmpty()) {
            String why = want.isPresent()
                    ? "node " + node + " has no route to " + want.get().destination() + " (expected " + want.get().forwarding() + ")"
                            + agentSays
                    : "node " + node + " has no route to " + d + ", and its agent wants none: " + whyNoDesire(s, node, target, dst);
            broken(steps, problems, new Step(node, "route", Verdict.BROKEN, "", expected, "none", "", why));
            return Optional.empty();
        }
        AgentStatus.Route k = have.get();
        boolean owned = s.owned(k);
        String note = "";
        if (want.isPresent()) {
            AgentStatus.Route w = want.get();
            int wl = w.destination().length();
            int kl = k.destination().length();
            if (kl < wl || (kl == wl && !owned)) {
                String why = kl < wl
                        ? "node " + node + " has no route to " + w.destination() + " (expected " + w.forwarding() + "); packets to "
                                + d + " follow " + k + " instead"
                        : "node " + node + "'s route to " + w.destination() + " is not Viaduct's: the kernel has " + k
                                + " (expected " + w.forwarding() + "); Viaduct never replaces a route it does not own: remove it";
                broken(steps, problems, new Step(node, "route", Verdict.BROKEN, k.toString(), expected, "none", "", why + agentSays));
                return Optional.empty();
            }
            if (kl == wl && !k.sameForwarding(w)) {
                broken(steps, problems, new Step(node, "route", Verdict.BROKEN, k.toString(), expected, "none", "",
                        "node " + node + "'s route to " + w.destination() + " differs from what its agent wants: the kernel has "
                                + k + " (expected " + w.forwarding() + ")" + agentSays));
                return Optional.empty();
            }
            if (kl > wl) {
                note = owned ? " (a Viaduct route its agent no longer wants, more specific than " + expected + ")"
                        : " (not Viaduct's; it overrides " + expected + ")";
            }
        } else if (owned) {
            note = " (a Viaduct route its agent no longer wants)";
        } else {
            // a pod address only Viaduct routes: a foreign route (the default route, typically) leads nowhere useful
            broken(steps, problems, new Step(node, "route", Verdict.BROKEN, k.toString(), "", "none", "",
                    "node " + node + " has no Viaduct route to " + d + " (packets follow " + k + "), and its agent wants none: "
                            + whyNoDesire(s, node, target, dst)));
            return Optional.empty();
        }
        if (!k.isUnicast()) {
            broken(steps, problems, new Step(node, "route", Verdict.BROKEN, k.toString(), expected, "none", "",
                    "node " + node + " drops packets to " + d + ": " + k + note));
            return Optional.empty();
        }
        // ECMP: every leg must work (a flow may hash onto any); the walk continues along the first.
        String nextNode = null;
        List<String> legs = new ArrayList<>();
        String encap = "none";
        for (AgentStatus.Hop h : k.nextHops()) {
            Optional<AgentStatus.Link> dev = h.device().flatMap(s::link);
            if (h.device().isPresent() && dev.isEmpty()) {
                broken(steps, problems, new Step(node, "route", Verdict.BROKEN, k.toString(), expected, "none", "",
                        "node " + node + "'s route " + k + " uses device " + h.device().get() + ", which does not exist"));
                return Optional.empty();
            }
            if (dev.isPresent() && !dev.get().up()) {
                broken(steps, problems, new Step(node, "route", Verdict.BROKEN, k.toString(), expected, "none", "",
                        "node " + node + "'s route " + k + " uses device " + dev.get().name() + ", which is down"));
                return Optional.empty();
            }
            if (h.linkDown() || h.dead()) {
                broken(steps, problems, new Step(node, "route", Verdict.BROKEN, k.toString(), expected, "none", "",
                        "node " + node + "'s next hop " + h + " is marked " + (h.dead() ? "dead" : "linkdown")
                                + " by the kernel (the device has no carrier)"));
                return Optional.empty();
            }
            String kind = dev.filter(AgentStatus.Link::isTunnel).map(AgentStatus.Link::kind).orElse("none");
            if (!kind.equals("none")) {
                encap = kind;
            }
            String legNode;
            String legText;
            if (h.gateway().isPresent()) {
                InetAddress gw = h.gateway().get();
                Optional<String> owner = nodeOwning(gw);
                if (owner.isPresent()) {
                    legNode = owner.get();
                    legText = "to node " + legNode + " (" + gw.getHostAddress() + ")";
                } else {
                    legNode = target;
                    legText = "to router " + gw.getHostAddress() + " (not a Viaduct node: ctl cannot see its routes; assuming it delivers to "
                            + target + ")";
                }
            } else if (!kind.equals("none")) {
                legNode = target;
                legText = "into tunnel " + dev.get().name() + " (assuming it reaches " + target + ")";
            } else {
                broken(steps, problems, new Step(node, "route", Verdict.BROKEN, k.toString(), expected, "none", "",
                        "node " + node + " delivers " + d + " locally on " + h.device().orElse("?") + ", but " + d
                                + " belongs to a pod on " + target + note));
                return Optional.empty();
            }
            legs.add((kind.equals("none") ? "direct" : kind + " tunnel over " + dev.get().name()) + (h.onlink() ? " (onlink)" : "")
                    + " " + legText);
            if (nextNode == null) {
                nextNode = legNode;
            }
        }
        steps.add(new Step(node, "route", Verdict.OK, k.toString(), expected, encap, nextNode,
                String.join("; ", legs) + note));
        return Optional.of(nextNode);
    }

    private String whyNoDesire(AgentStatus s, String node, String target, InetAddress dst) {
        String reason = s.notOnLink().get(target);
        if (reason != null) {
            return "node " + target + " is not reachable from " + node + ": " + reason;
        }
        if ("bgp".equals(s.mode())) {
            return "no BGP route to " + dst.getHostAddress() + " was accepted (see 'viaduct ctl peers --node " + node + "')";
        }
        return "it has not seen node " + target + "'s block or record (is its datastore watch behind? see its log)";
    }

    /** The node that has {@code ip} as an uplink address or as its VXLAN endpoint. */
    private Optional<String> nodeOwning(InetAddress ip) {
        for (NodeRecord n : nodes.values()) {
            for (String a : n.addresses()) {
                try {
                    if (IpPrefix.parse(a).address().equals(ip)) {
                        return Optional.of(n.name());
                    }
                } catch (IllegalArgumentException e) {
                    // an unparsable address in a record is reported by `ctl nodes`, not here
                }
            }
            if (n.vtep() != null && n.vtep().address() != null) {
                try {
                    if (IpPrefix.parse(n.vtep().address()).address().equals(ip)) {
                        return Optional.of(n.name());
                    }
                } catch (IllegalArgumentException e) {
                    // as above
                }
            }
        }
        return Optional.empty();
    }

    /** The destination's node: the pod's endpoint, its host route and its interface. */
    private void deliver(AgentStatus s, InetAddress dst, List<Step> steps, List<String> problems, List<String> unknowns) {
        String node = s.node();
        String d = dst.getHostAddress();
        Optional<AgentStatus.Endpoint> ep = s.endpoints().stream().filter(e -> e.addresses().contains(dst)).findFirst();
        Optional<AgentStatus.Route> want = s.desired().stream().filter(r -> r.destination().isHost() && r.covers(dst)).findFirst();
        Optional<AgentStatus.Route> have = AgentStatus.longestMatch(s.kernel(), dst);
        String expected = want.map(AgentStatus.Route::describe)
                .orElse(ep.map(e -> Route.direct(IpPrefix.host(dst), e.hostVeth()).toString()).orElse(""));
        String got = have.map(AgentStatus.Route::toString).orElse("");
        if (!s.kernelError().isEmpty()) {
            unknown(steps, unknowns, new Step(node, "deliver", Verdict.UNKNOWN, "", expected, "none", "",
                    "node " + node + "'s agent could not read its kernel: " + s.kernelError()));
            return;
        }
        if (ep.isEmpty() || want.isEmpty()) {
            broken(steps, problems, new Step(node, "deliver", Verdict.BROKEN, got, expected, "none", "",
                    "node " + node + "'s agent has no pod endpoint for " + d + " (IPAM says the pod is here; was its CNI ADD"
                            + " handled by this agent, or did the agent lose it?)"));
            return;
        }
        String veth = ep.get().hostVeth();
        String agentSays = Optional.ofNullable(s.routeProblems().get(want.get().destination().toString()))
                .map(p -> "; its agent reports: " + p).orElse("");
        Optional<AgentStatus.Link> link = s.link(veth);
        if (link.isEmpty()) {
            broken(steps, problems, new Step(node, "deliver", Verdict.BROKEN, got, expected, "none", "",
                    "node " + node + " has no route to pod " + d + " (expected " + expected + "): its interface " + veth
                            + " does not exist (deleted by hand, or the pod's network namespace is gone)" + agentSays));
            return;
        }
        if (!link.get().up()) {
            // the kernel removes IPv4 routes over a device that goes down, and refuses new ones (ENETDOWN)
            broken(steps, problems, new Step(node, "deliver", Verdict.BROKEN, got, expected, "none", "",
                    "pod " + d + "'s interface " + veth + " on node " + node + " is down (expected " + expected + ")"
                            + agentSays));
            return;
        }
        if (have.isEmpty() || !have.get().destination().equals(want.get().destination())) {
            broken(steps, problems, new Step(node, "deliver", Verdict.BROKEN, got, expected, "none", "",
                    "node " + node + " has no route to pod " + d + " (expected " + expected + ")"
                            + have.map(h -> "; packets to " + d + " hit " + h + " instead").orElse("") + agentSays));
            return;
        }
        AgentStatus.Route k = have.get();
        if (!s.owned(k)) {
            broken(steps, problems, new Step(node, "deliver", Verdict.BROKEN, got, expected, "none", "",
                    "node " + node + "'s route to pod " + d + " is not Viaduct's: the kernel has " + k + " (expected " + expected
                            + "); remove it"));
            return;
        }
        if (!k.sameForwarding(want.get())) {
            broken(steps, problems, new Step(node, "deliver", Verdict.BROKEN, got, expected, "none", "",
                    "node " + node + "'s route to pod " + d + " differs: the kernel has " + k + ", expected " + expected + agentSays));
            return;
        }
        steps.add(new Step(node, "deliver", Verdict.OK, got, expected, "none", "",
                "to the pod on " + veth + " (up, " + link.get().operState() + ")"));
    }
}
