package dev.viaduct.ctl;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.ipam.Block;
import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Pool;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A hand-made three-node host-gw cluster for the ctl tests: nodes n1..n3 at 10.168.0.11..13 on eth0, one /26
 * block each (10.244.N.0/26), pod A = 10.244.1.5 on n1 (veth vdca), pod B = 10.244.3.7 on n3 (vdcb), pod
 * C = 10.244.1.9 on n1 (vdcc). Statuses are mutable builders so each test breaks exactly one thing.
 */
final class Fixtures {
    static final int VIADUCT = 86;
    static final int KERNEL = 2;
    static final int STATIC = 4;

    static InetAddress ip(String s) {
        return IpAddresses.parse(s);
    }

    static AgentStatus.Hop via(String gw, String dev) {
        return new AgentStatus.Hop(Optional.of(ip(gw)), Optional.of(dev), false, false, false);
    }

    static AgentStatus.Route route(String dst, int proto, String scope, AgentStatus.Hop... hops) {
        IpPrefix c = IpPrefix.parse(dst);
        AgentStatus.Route r = new AgentStatus.Route(c, "unicast", scope, 254, proto, 0, List.of(hops), "", "");
        return withText(r);
    }

    static AgentStatus.Route withText(AgentStatus.Route r) {
        String proto = switch (r.protocol()) {
            case 86 -> "viaduct";
            case 2 -> "kernel";
            case 4 -> "static";
            default -> Integer.toString(r.protocol());
        };
        return new AgentStatus.Route(r.destination(), r.type(), r.scope(), r.table(), r.protocol(), r.metric(), r.nextHops(),
                r.describe() + " proto " + proto, r.source());
    }

    static AgentStatus.Route via(String dst, String gw, String dev, int proto) {
        return route(dst, proto, "global", via(gw, dev));
    }

    static AgentStatus.Route onlink(String dst, String gw, String dev, int proto) {
        return route(dst, proto, "global", new AgentStatus.Hop(Optional.of(ip(gw)), Optional.of(dev), true, false, false));
    }

    static AgentStatus.Route dev(String dst, String dev, int proto) {
        return route(dst, proto, "link", new AgentStatus.Hop(Optional.empty(), Optional.of(dev), false, false, false));
    }

    static AgentStatus.Route blackhole(String dst, int proto) {
        return withText(new AgentStatus.Route(IpPrefix.parse(dst), "blackhole", "global", 254, proto, 0, List.of(), "", ""));
    }

    static AgentStatus.Link link(String name, String kind, boolean up) {
        return new AgentStatus.Link(name, name.hashCode() & 0xff, kind, up, up ? "up" : "down", 1500);
    }

    /** A node's status under construction. */
    static final class Node {
        final String name;
        final int n;
        final List<AgentStatus.Route> desired = new ArrayList<>();
        final List<AgentStatus.Route> kernel = new ArrayList<>();
        final List<AgentStatus.Link> links = new ArrayList<>();
        final List<AgentStatus.Endpoint> endpoints = new ArrayList<>();
        final java.util.Map<String, String> problems = new java.util.HashMap<>();
        final java.util.Map<String, String> notOnLink = new java.util.HashMap<>();
        String mode = "host-gw";
        List<AgentStatus.Peer> peers = new ArrayList<>();
        final List<AgentStatus.PendingRelease> pendingReleases = new ArrayList<>();

        Node(int n) {
            this.n = n;
            this.name = "n" + n;
            links.add(link("lo", "", true));
            links.add(link("eth0", "veth", true));
            kernel.add(dev("10.168.0.0/24", "eth0", KERNEL));
            kernel.add(via("0.0.0.0/0", "10.168.0.1", "eth0", STATIC));
        }

        /** Desired and (unless told otherwise) programmed. */
        Node want(AgentStatus.Route r) {
            desired.add(r);
            kernel.add(r);
            return this;
        }

        Node pod(String ip, String veth) {
            endpoints.add(new AgentStatus.Endpoint("viaduct." + veth + ".eth0", veth, List.of(ip(ip))));
            links.add(link(veth, "veth", true));
            return want(dev(ip + "/32", veth, VIADUCT));
        }

        Node dropKernel(String dst) {
            kernel.removeIf(r -> r.destination().equals(IpPrefix.parse(dst)));
            return this;
        }

        Node dropLink(String name) {
            links.removeIf(l -> l.name().equals(name));
            return this;
        }

        AgentStatus status() {
            return new AgentStatus(name, mode, true, "", "eth0", List.of(IpPrefix.parse("10.168.0." + (10 + n) + "/24")), "test", VIADUCT,
                    desired, kernel, "", links, endpoints, problems, notOnLink, peers, 0, pendingReleases);
        }
    }

    /** The standard cluster, host-gw, everything programmed. */
    static final class Cluster {
        final Node n1 = new Node(1);
        final Node n2 = new Node(2);
        final Node n3 = new Node(3);
        final List<NodeRecord> records = new ArrayList<>();
        final List<Block> blocks = new ArrayList<>();
        final List<Handle> handles = new ArrayList<>();
        final List<Pool> pools = List.of(Pool.of("10.244.0.0/16"));
        final java.util.Set<String> unreachable = new java.util.HashSet<>();

        Cluster() {
            for (Node n : List.of(n1, n2, n3)) {
                records.add(new NodeRecord(n.name, List.of("10.168.0." + (10 + n.n) + "/24"), "eth0", Map.of(), "host-gw", 0, null,
                        "test", "http://10.168.0." + (10 + n.n) + ":9099"));
                for (Node other : List.of(n1, n2, n3)) {
                    if (other == n) {
                        n.want(blackhole("10.244." + n.n + ".0/26", VIADUCT));
                    } else {
                        n.want(via("10.244." + other.n + ".0/26", "10.168.0." + (10 + other.n), "eth0", VIADUCT));
                    }
                }
            }
            n1.pod("10.244.1.5", "vdca").pod("10.244.1.9", "vdcc");
            n3.pod("10.244.3.7", "vdcb");
            blocks.add(block("10.244.1.0/26", "n1", alloc("10.244.1.5", "vdca", "n1"), alloc("10.244.1.9", "vdcc", "n1")));
            blocks.add(block("10.244.2.0/26", "n2"));
            blocks.add(block("10.244.3.0/26", "n3", alloc("10.244.3.7", "vdcb", "n3")));
            handles.add(handle("vdca", "n1", "10.244.1.5", "pa"));
            handles.add(handle("vdcc", "n1", "10.244.1.9", "pc"));
            handles.add(handle("vdcb", "n3", "10.244.3.7", "pb"));
        }

        static Block.Allocation alloc(String ip, String veth, String node) {
            return new Block.Allocation(ip(ip), "viaduct." + veth + ".eth0", node);
        }

        static Block block(String cidr, String node, Block.Allocation... a) {
            return new Block(dev.viaduct.sys.net.IpPrefix.parseNetwork(cidr), node, List.of(a), 0);
        }

        static Handle handle(String veth, String node, String ip, String pod) {
            return new Handle("viaduct." + veth + ".eth0", node, List.of(ip(ip)), Map.of("pod", pod, "podNamespace", "lab"),
                    Instant.parse("2025-01-01T00:00:00Z"));
        }

        Node node(String name) {
            return switch (name) {
                case "n1" -> n1;
                case "n2" -> n2;
                case "n3" -> n3;
                default -> throw new IllegalArgumentException(name);
            };
        }

        Explanation explain(String a, String b) {
            PathExplainer pe = new PathExplainer(pools, blocks, handles, records, r -> {
                if (unreachable.contains(r.name())) {
                    throw CtlException.unreachable("cannot reach agent at " + r.agentUrl() + ": connection refused", null);
                }
                return node(r.name()).status();
            });
            return pe.explain(ip(a), ip(b));
        }
    }

    private Fixtures() {
    }
}
