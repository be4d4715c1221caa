package dev.viaduct.policy.compile;

import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.IpBlock;
import dev.viaduct.policy.model.Namespace;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Peer;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.policy.model.PolicyPort;
import dev.viaduct.policy.model.PolicyType;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.policy.model.Rule;
import dev.viaduct.policy.nft.Ruleset;
import dev.viaduct.policy.nft.Ruleset.Addr;
import dev.viaduct.policy.nft.Ruleset.Chain;
import dev.viaduct.policy.nft.Ruleset.Element;
import dev.viaduct.policy.nft.Ruleset.Family;
import dev.viaduct.policy.nft.Ruleset.Hook;
import dev.viaduct.policy.nft.Ruleset.Match;
import dev.viaduct.policy.nft.Ruleset.NamedSet;
import dev.viaduct.policy.nft.Ruleset.PortRange;
import dev.viaduct.policy.nft.Ruleset.Verdict;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Compiles the cluster's policies into one node's nftables table for the pods on that node.
 *
 * <p>Layout of table {@code inet viaduct-policy} (all on the forward hook: pod traffic is routed, never
 * bridged, so every packet to or from a pod crosses the host's forward path through the pod's host veth):
 * <pre>
 * chain egress  (hook forward priority 0)   iifname vmap @egress-pods    host veth → pod-eg_&lt;veth&gt;
 * chain ingress (hook forward priority 1)   oifname vmap @ingress-pods   host veth → pod-in_&lt;veth&gt;
 * chain pod-in_&lt;veth&gt;    ct state established,related accept; ct state invalid drop;
 *                        own node's addresses accept; jump pol-in_&lt;ns&gt;_&lt;policy&gt; (each selecting policy);
 *                        counter name drop-in_&lt;ns&gt;_&lt;policy&gt; (each); drop
 * chain pol-in_&lt;ns&gt;_&lt;policy&gt;   one accept rule per (peer, port group) of each ingress rule
 * </pre>
 * Egress mirrors it. Two base chains, because an accept ends only its own base chain: a connection between
 * two pods of this node must pass the source's egress and then the destination's ingress. Only pods a
 * policy isolates have a map element; the others fall through to the chains' accept policy.
 *
 * <p>Peers become named sets shared by every rule that names the same selection: {@code pods4_&lt;hash&gt;} /
 * {@code pods6_&lt;hash&gt;} (pod addresses, cluster-wide, of one distinct (namespaces, pod selector) pair),
 * {@code block4_&lt;hash&gt;} (an ipBlock minus its excepts, an interval set). Named ports become
 * address-and-port sets {@code named4_&lt;name&gt;_&lt;proto&gt;} of every pod declaring that container port,
 * matched as {@code ip daddr . th dport}: the name resolves against the destination pod in both directions.
 * A set left empty (no pod, no such namespace, no such port name) matches nothing, never everything. When a
 * pod comes or goes, only set elements (and, for a local pod, its own chains and map elements) change.
 */
public final class PolicyCompiler {
    public static final String TABLE = "viaduct-policy";
    public static final String EGRESS_MAP = "egress-pods";
    public static final String INGRESS_MAP = "ingress-pods";
    static final int EGRESS_PRIORITY = 0;
    static final int INGRESS_PRIORITY = 1;
    /** nftables chain, set and object names are at most 255 bytes (NFT_*_MAXNAMELEN 256 with the NUL). */
    private static final int MAX_NAME = 255;

    private final Cluster cluster;
    private final String node;
    private final List<InetAddress> nodeIps;
    private final Map<String, Namespace> namespaces;
    /** The cluster's pods by namespace: a peer's namespace condition is decided once per namespace, not per pod. */
    private final Map<String, List<Pod>> podsByNamespace = new TreeMap<>();
    private final SortedMap<String, NamedSet> sets = new TreeMap<>();

    private PolicyCompiler(Cluster cluster, String node, List<InetAddress> nodeIps) {
        this.cluster = cluster;
        this.node = node;
        this.nodeIps = List.copyOf(nodeIps);
        this.namespaces = cluster.namespacesByName();
        for (Pod p : cluster.pods()) {
            podsByNamespace.computeIfAbsent(p.namespace(), k -> new ArrayList<>()).add(p);
        }
    }

    /**
     * The ruleset for {@code node}'s pods. Every pod of the node needs its {@code hostVeth}.
     *
     * @param nodeIps the node's own addresses: traffic between them and the node's pods is always allowed
     */
    public static Ruleset compile(Cluster cluster, String node, List<InetAddress> nodeIps) {
        return new PolicyCompiler(cluster, node, nodeIps).compile();
    }

    private Ruleset compile() {
        List<Pod> local = cluster.pods().stream().filter(p -> p.node().equals(node))
                .sorted(Comparator.comparing(Pod::hostVeth, Comparator.nullsFirst(String::compareTo)))
                .toList();
        for (Pod p : local) {
            if (p.hostVeth() == null || p.hostVeth().isEmpty()) {
                throw new IllegalArgumentException("pod " + p.id() + " on node " + node + " has no host veth name");
            }
        }
        addSet(nodeSet(Family.IPV4), Family.IPV4, false, false, () -> hosts(nodeIps, Family.IPV4));
        addSet(nodeSet(Family.IPV6), Family.IPV6, false, false, () -> hosts(nodeIps, Family.IPV6));

        SortedMap<String, Chain> policyChains = new TreeMap<>();
        SortedMap<String, Chain> podChains = new TreeMap<>();
        TreeSet<String> counters = new TreeSet<>();
        Map<String, String> egressJumps = new TreeMap<>();
        Map<String, String> ingressJumps = new TreeMap<>();
        for (Pod pod : local) {
            for (PolicyType type : PolicyType.values()) {
                List<NetworkPolicy> selecting = cluster.policies().stream()
                        .filter(p -> p.selects(pod) && p.spec().effectiveTypes().contains(type)).toList();
                if (selecting.isEmpty()) {
                    continue;
                }
                List<Ruleset.Rule> rules = new ArrayList<>();
                rules.add(Ruleset.Rule.of(Ruleset.ACCEPT, new Match.CtState(List.of("established", "related"))));
                rules.add(Ruleset.Rule.of(Ruleset.DROP, new Match.CtState(List.of("invalid"))));
                Addr far = type == PolicyType.Ingress ? Addr.SADDR : Addr.DADDR;
                for (Family f : Family.values()) {
                    rules.add(new Ruleset.Rule(List.of(new Match.AddrIn(f, far, nodeSet(f))), List.of(), Ruleset.ACCEPT, "own node"));
                }
                for (NetworkPolicy p : selecting) {
                    String chain = policyChain(p, type);
                    policyChains.computeIfAbsent(chain, c -> new Chain(c, null, policyRules(p, type)));
                    rules.add(Ruleset.Rule.of(new Verdict.Jump(chain)));
                }
                for (NetworkPolicy p : selecting) {
                    String counter = counter(p, type);
                    counters.add(counter);
                    rules.add(new Ruleset.Rule(List.of(), List.of(counter), null, null));
                }
                rules.add(new Ruleset.Rule(List.of(), List.of(), Ruleset.DROP, "no rule allows it"));
                String chain = (type == PolicyType.Ingress ? "pod-in_" : "pod-eg_") + pod.hostVeth();
                podChains.put(chain, new Chain(chain, null, rules));
                (type == PolicyType.Ingress ? ingressJumps : egressJumps).put(pod.hostVeth(), chain);
            }
        }
        List<Chain> chains = new ArrayList<>();
        chains.add(new Chain("egress", new Hook("forward", EGRESS_PRIORITY),
                List.of(Ruleset.Rule.of(new Verdict.IfnameVmap(true, EGRESS_MAP)))));
        chains.add(new Chain("ingress", new Hook("forward", INGRESS_PRIORITY),
                List.of(Ruleset.Rule.of(new Verdict.IfnameVmap(false, INGRESS_MAP)))));
        chains.addAll(policyChains.values());
        chains.addAll(podChains.values());
        return new Ruleset(TABLE, List.copyOf(counters), List.copyOf(sets.values()),
                List.of(Ruleset.VerdictMap.of(EGRESS_MAP, egressJumps), Ruleset.VerdictMap.of(INGRESS_MAP, ingressJumps)),
                chains);
    }

    /** The accept rules of one policy direction: for each API rule, (peer alternatives) × (port alternatives). */
    private List<Ruleset.Rule> policyRules(NetworkPolicy p, PolicyType type) {
        List<Ruleset.Rule> out = new ArrayList<>();
        List<? extends Rule> rules = p.spec().rules(type);
        Addr far = type == PolicyType.Ingress ? Addr.SADDR : Addr.DADDR;
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            String comment = p.id() + " " + (type == PolicyType.Ingress ? "ingress" : "egress") + "[" + i + "]";
            List<List<Match>> peers = peerAlternatives(r, p.namespace(), far);
            List<List<Match>> ports = portAlternatives(r);
            for (List<Match> peer : peers) {
                for (List<Match> port : ports) {
                    Family a = family(peer);
                    Family b = family(port);
                    if (a != null && b != null && a != b) {
                        continue;
                    }
                    List<Match> all = new ArrayList<>(peer);
                    all.addAll(port);
                    out.add(new Ruleset.Rule(all, List.of(), Ruleset.ACCEPT, comment));
                }
            }
        }
        return out;
    }

    private List<List<Match>> peerAlternatives(Rule r, String policyNamespace, Addr far) {
        if (r.peers().isEmpty()) {
            return List.of(List.of());
        }
        List<List<Match>> out = new ArrayList<>();
        for (Peer peer : r.peers()) {
            switch (peer) {
                case Peer.Pods s -> {
                    String key = (s.namespaceSelector() == null ? "namespace " + policyNamespace : "namespaces " + s.namespaceSelector().canonical())
                            + " pods " + (s.podSelector() == null ? "*" : s.podSelector().canonical());
                    for (Family f : Family.values()) {
                        String name = (f == Family.IPV4 ? "pods4_" : "pods6_") + hash(key);
                        addSet(name, f, false, false, () -> podAddresses(s, policyNamespace, f));
                        out.add(List.of(new Match.AddrIn(f, far, name)));
                    }
                }
                case Peer.Block b -> {
                    IpBlock block = b.ipBlock();
                    Family f = Family.of(block.cidr());
                    String name = (f == Family.IPV4 ? "block4_" : "block6_") + hash(block.cidr() + " except " + new TreeSet<>(block.except()));
                    addSet(name, f, false, true, () -> PrefixDifference.of(block.cidr(), block.except()).stream().map(Element::of).toList());
                    out.add(List.of(new Match.AddrIn(f, far, name)));
                }
            }
        }
        return out;
    }

    private List<List<Match>> portAlternatives(Rule r) {
        if (r.ports().isEmpty()) {
            return List.of(List.of());
        }
        List<List<Match>> out = new ArrayList<>();
        for (Protocol proto : Protocol.values()) {
            boolean any = false;
            TreeMap<Integer, Integer> ranges = new TreeMap<>();
            TreeSet<String> named = new TreeSet<>();
            for (PolicyPort pp : r.ports()) {
                if (pp.protocol() != proto) {
                    continue;
                }
                switch (pp.port()) {
                    case null -> any = true;
                    case PolicyPort.Port.Number n -> ranges.merge(n.value(), pp.last(), Math::max);
                    case PolicyPort.Port.Named n -> named.add(n.name());
                }
            }
            Match l4 = new Match.L4Proto(proto.lower());
            if (any) {
                out.add(List.of(l4));
            } else if (!ranges.isEmpty()) {
                out.add(List.of(l4, new Match.DportIn(merge(ranges))));
            }
            for (String name : named) {
                for (Family f : Family.values()) {
                    String set = (f == Family.IPV4 ? "named4_" : "named6_") + name + "_" + proto.lower();
                    addSet(set, f, true, false, () -> namedPortElements(name, proto, f));
                    out.add(List.of(l4, new Match.DaddrPortIn(f, set)));
                }
            }
        }
        return out;
    }

    /** Sorted, overlapping or adjacent ranges joined (nft rejects overlapping elements of one anonymous set). */
    private static List<PortRange> merge(TreeMap<Integer, Integer> ranges) {
        List<PortRange> out = new ArrayList<>();
        int first = -1;
        int last = -1;
        for (Map.Entry<Integer, Integer> e : ranges.entrySet()) {
            if (first >= 0 && e.getKey() <= last + 1) {
                last = Math.max(last, e.getValue());
                continue;
            }
            if (first >= 0) {
                out.add(new PortRange(first, last));
            }
            first = e.getKey();
            last = e.getValue();
        }
        out.add(new PortRange(first, last));
        return out;
    }

    private List<Element> podAddresses(Peer.Pods peer, String policyNamespace, Family f) {
        TreeSet<Element> out = new TreeSet<>();
        podsByNamespace.forEach((ns, pods) -> {
            if (peer.selectsNamespace(ns, policyNamespace, namespaces)) {
                for (Pod pod : pods) {
                    if (peer.selectsLabels(pod)) {
                        out.addAll(hosts(pod.ips(), f));
                    }
                }
            }
        });
        return List.copyOf(out);
    }

    private List<Element> namedPortElements(String name, Protocol proto, Family f) {
        TreeSet<Element> out = new TreeSet<>();
        for (Pod pod : cluster.pods()) {
            for (ContainerPort cp : pod.ports()) {
                if (cp.name().equals(name) && cp.protocol() == proto) {
                    for (Element host : hosts(pod.ips(), f)) {
                        out.add(new Element(host.prefix(), cp.port()));
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    private static List<Element> hosts(List<InetAddress> ips, Family f) {
        return ips.stream().map(IpPrefix::host).filter(p -> Family.of(p) == f).sorted().distinct().map(Element::of).toList();
    }

    private void addSet(String name, Family f, boolean withPort, boolean interval, Supplier<List<Element>> elements) {
        sets.computeIfAbsent(name, n -> new NamedSet(n, f, withPort, interval, elements.get()));
    }

    private static Family family(List<Match> matches) {
        for (Match m : matches) {
            if (m instanceof Match.AddrIn a) {
                return a.family();
            }
            if (m instanceof Match.DaddrPortIn d) {
                return d.family();
            }
        }
        return null;
    }

    private static String nodeSet(Family f) {
        return f == Family.IPV4 ? "node4" : "node6";
    }

    static String policyChain(NetworkPolicy p, PolicyType type) {
        return fit((type == PolicyType.Ingress ? "pol-in_" : "pol-eg_"), p);
    }

    /** The named counter of packets dropped at pods {@code p} isolates in direction {@code type}. */
    public static String counter(NetworkPolicy p, PolicyType type) {
        return fit((type == PolicyType.Ingress ? "drop-in_" : "drop-eg_"), p);
    }

    /** {@code prefix<ns>_<name>} ('_' appears in neither), or a hash of both when that is too long. */
    private static String fit(String prefix, NetworkPolicy p) {
        String s = prefix + p.namespace() + "_" + p.name();
        return s.length() <= MAX_NAME ? s : prefix + hash(p.id());
    }

    private static String hash(String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is mandatory in every JDK", e);
        }
    }
}
