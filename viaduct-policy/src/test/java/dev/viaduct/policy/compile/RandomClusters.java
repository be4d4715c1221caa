package dev.viaduct.policy.compile;

import dev.viaduct.policy.eval.Transport;
import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.EgressRule;
import dev.viaduct.policy.model.IngressRule;
import dev.viaduct.policy.model.IpBlock;
import dev.viaduct.policy.model.LabelSelector;
import dev.viaduct.policy.model.Namespace;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.NetworkPolicySpec;
import dev.viaduct.policy.model.Node;
import dev.viaduct.policy.model.Peer;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.policy.model.PolicyPort;
import dev.viaduct.policy.model.PolicyType;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Small random clusters drawn from a deliberately tiny universe (a few label values, namespaces, ports and
 * blocks), so that selectors, blocks and named ports hit and miss often.
 */
final class RandomClusters {
    static final List<Node> NODES = List.of(
            new Node("n1", List.of(ip("192.168.0.1"), ip("fd00:168::1"))),
            new Node("n2", List.of(ip("192.168.0.2"), ip("fd00:168::2"))));
    /** Addresses that are no pod and no node. */
    static final List<InetAddress> OUTSIDE = List.of(ip("10.0.0.200"), ip("172.16.0.1"), ip("fd00::200"), ip("fd01::1"));
    static final int[] PORTS = {9, 53, 79, 80, 81, 8080};

    private static final String[] NAMESPACES = {"a", "b", "c", "d"};
    private static final String[][] POD_LABELS = {{"app", "web"}, {"app", "db"}, {"tier", "1"}, {"tier", "2"}};
    private static final String[][] NS_LABELS = {{"team", "x"}, {"team", "y"}, {"env", "p"}};
    private static final ContainerPort[] NAMED = {
            new ContainerPort("http", 80, Protocol.TCP), new ContainerPort("http", 8080, Protocol.TCP),
            new ContainerPort("dns", 53, Protocol.UDP), new ContainerPort("dns", 53, Protocol.TCP)};
    private static final String[] PORT_NAMES = {"http", "dns", "nope"};
    private static final IpBlock[] BLOCKS = {
            new IpBlock(IpPrefix.parse("10.0.0.0/24"), List.of()),
            new IpBlock(IpPrefix.parse("10.0.0.0/28"), List.of(IpPrefix.parse("10.0.0.2/31"), IpPrefix.parse("10.0.0.8/30"))),
            new IpBlock(IpPrefix.parse("0.0.0.0/0"), List.of(IpPrefix.parse("10.0.0.0/29"))),
            new IpBlock(IpPrefix.parse("192.168.0.0/24"), List.of(IpPrefix.parse("192.168.0.2/32"))),
            new IpBlock(IpPrefix.parse("fd00::/120"), List.of(IpPrefix.parse("fd00::4/126"))),
            new IpBlock(IpPrefix.parse("::/0"), List.of())};

    private final Random r;

    RandomClusters(long seed) {
        this.r = new Random(seed);
    }

    Cluster cluster() {
        List<Namespace> namespaces = new ArrayList<>();
        for (String ns : NAMESPACES) {
            if (r.nextInt(5) > 0) {
                namespaces.add(new Namespace(ns, labels(NS_LABELS)));
            }
        }
        List<Pod> pods = new ArrayList<>();
        int n = 1 + r.nextInt(7);
        for (int i = 1; i <= n; i++) {
            List<InetAddress> ips = new ArrayList<>();
            int fam = r.nextInt(3);
            if (fam != 1) {
                ips.add(ip("10.0.0." + i));
            }
            if (fam != 0) {
                ips.add(ip("fd00::" + i));
            }
            List<ContainerPort> ports = new ArrayList<>();
            for (ContainerPort cp : NAMED) {
                if (r.nextInt(3) == 0 && ports.stream().noneMatch(p -> p.name().equals(cp.name()) && p.protocol() == cp.protocol())) {
                    ports.add(cp);
                }
            }
            pods.add(new Pod(pick(NAMESPACES), "pod" + i, labels(POD_LABELS), ips, NODES.get(r.nextInt(2)).name(),
                    "vdc" + String.format("%011x", i), ports));
        }
        List<NetworkPolicy> policies = new ArrayList<>();
        int np = 1 + r.nextInt(5);
        for (int i = 0; i < np; i++) {
            policies.add(new NetworkPolicy(pick(NAMESPACES), "p" + i, spec()));
        }
        return new Cluster(policies, pods, namespaces, NODES);
    }

    /** One query: both addresses of one family, from pods, nodes and outside addresses. */
    Query query(Cluster c) {
        boolean v6 = r.nextBoolean();
        List<InetAddress> pods = new ArrayList<>();
        c.pods().forEach(p -> pods.addAll(p.ips()));
        List<InetAddress> others = new ArrayList<>(OUTSIDE);
        NODES.forEach(nd -> others.addAll(nd.ips()));
        InetAddress src = address(pods, others, v6);
        InetAddress dst = address(pods, others, v6);
        Transport t = Transport.values()[r.nextInt(Transport.values().length)];
        return new Query(src, dst, t, t == Transport.ICMP ? 0 : PORTS[r.nextInt(PORTS.length)]);
    }

    /** Mostly a pod's address (where policy applies), else a node or outside address, of one family. */
    private InetAddress address(List<InetAddress> pods, List<InetAddress> others, boolean v6) {
        List<InetAddress> fromPods = pods.stream().filter(a -> (a.getAddress().length == 16) == v6).toList();
        List<InetAddress> pool = !fromPods.isEmpty() && r.nextInt(4) > 0 ? fromPods
                : others.stream().filter(a -> (a.getAddress().length == 16) == v6).toList();
        return pool.get(r.nextInt(pool.size()));
    }

    record Query(InetAddress src, InetAddress dst, Transport transport, int port) {
    }

    private NetworkPolicySpec spec() {
        List<PolicyType> types = switch (r.nextInt(4)) {
            case 0 -> List.of();
            case 1 -> List.of(PolicyType.Ingress);
            case 2 -> List.of(PolicyType.Egress);
            default -> List.of(PolicyType.Ingress, PolicyType.Egress);
        };
        List<IngressRule> in = new ArrayList<>();
        for (int i = r.nextInt(3); i > 0; i--) {
            in.add(new IngressRule(peers(), ports()));
        }
        List<EgressRule> eg = new ArrayList<>();
        for (int i = r.nextInt(3); i > 0; i--) {
            eg.add(new EgressRule(peers(), ports()));
        }
        return new NetworkPolicySpec(selector(POD_LABELS), types, in, eg);
    }

    private List<Peer> peers() {
        List<Peer> out = new ArrayList<>();
        for (int i = r.nextInt(3); i > 0; i--) {
            switch (r.nextInt(4)) {
                case 0 -> out.add(new Peer.Block(pick(BLOCKS)));
                case 1 -> out.add(new Peer.Pods(selector(POD_LABELS), null));
                case 2 -> out.add(new Peer.Pods(null, selector(NS_LABELS)));
                default -> out.add(new Peer.Pods(selector(POD_LABELS), selector(NS_LABELS)));
            }
        }
        return out;
    }

    private List<PolicyPort> ports() {
        List<PolicyPort> out = new ArrayList<>();
        for (int i = r.nextInt(3); i > 0; i--) {
            Protocol p = Protocol.values()[r.nextInt(3)];
            out.add(switch (r.nextInt(4)) {
                case 0 -> PolicyPort.any(p);
                case 1 -> PolicyPort.number(p, PORTS[1 + r.nextInt(PORTS.length - 1)]);
                case 2 -> PolicyPort.range(p, 79, 79 + r.nextInt(3));
                default -> PolicyPort.named(p, pick(PORT_NAMES));
            });
        }
        return out;
    }

    private LabelSelector selector(String[][] pool) {
        Map<String, String> ml = new HashMap<>();
        if (r.nextInt(3) == 0) {
            String[] kv = pick(pool);
            ml.put(kv[0], kv[1]);
        }
        List<LabelSelector.Requirement> ex = new ArrayList<>();
        if (r.nextInt(3) == 0) {
            String[] kv = pick(pool);
            LabelSelector.Operator op = LabelSelector.Operator.values()[r.nextInt(4)];
            boolean values = op == LabelSelector.Operator.In || op == LabelSelector.Operator.NotIn;
            ex.add(new LabelSelector.Requirement(kv[0], op, values ? List.of(kv[1]) : List.of()));
        }
        return new LabelSelector(ml, ex);
    }

    private Map<String, String> labels(String[][] pool) {
        Map<String, String> out = new HashMap<>();
        for (String[] kv : pool) {
            if (r.nextInt(3) == 0) {
                out.put(kv[0], kv[1]);
            }
        }
        return out;
    }

    private <T> T pick(T[] a) {
        return a[r.nextInt(a.length)];
    }

    static InetAddress ip(String s) {
        return IpAddresses.parse(s);
    }
}
