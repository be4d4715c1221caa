package dev.viaduct.policy.compile;

import dev.viaduct.policy.model.IpBlock;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Peer;
import dev.viaduct.policy.model.PolicyPort;
import dev.viaduct.policy.model.PolicyType;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.policy.model.Rule;
import dev.viaduct.policy.nft.Ruleset;
import dev.viaduct.policy.nft.Ruleset.Addr;
import dev.viaduct.policy.nft.Ruleset.Element;
import dev.viaduct.policy.nft.Ruleset.Family;
import dev.viaduct.policy.nft.Ruleset.Match;
import dev.viaduct.policy.nft.Ruleset.PortRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The rules of one policy direction's chain, a function of the policy alone: for each API rule, (peer
 * alternatives) × (port alternatives), each peer a named set (pods of a selection, an ipBlock minus its excepts)
 * and each named port an address-and-port set, named by what they hold so equal selections share one set
 * ({@link PolicyCompiler} describes the names). The sets' contents are the {@link NodeCompiler}'s to keep. Pure.
 */
final class PolicyRules {
    private PolicyRules() {
    }

    /** Where a set's elements come from. */
    sealed interface Source {
        /** Addresses of the pods a pod peer selects, in a policy of {@code policyNamespace}. */
        record Selection(Peer.Pods peer, String policyNamespace) implements Source {
        }

        /** Address and port of every pod declaring container port {@code name}/{@code protocol}. */
        record NamedPort(String name, Protocol protocol) implements Source {
        }

        /** Elements that do not depend on pods (ipBlocks, the node's own addresses). */
        record Fixed(List<Element> elements) implements Source {
        }
    }

    /** A named set as the rules refer to it: its nft declaration and where its elements come from. */
    record SetSpec(String name, Family family, boolean withPort, boolean interval, Source source) {
    }

    /** The accept rules of one policy direction; the sets they name are added to {@code used}. */
    static List<Ruleset.Rule> of(NetworkPolicy p, PolicyType type, Map<String, SetSpec> used) {
        List<Ruleset.Rule> out = new ArrayList<>();
        List<? extends Rule> rules = p.spec().rules(type);
        Addr far = type == PolicyType.Ingress ? Addr.SADDR : Addr.DADDR;
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            String comment = p.id() + " " + (type == PolicyType.Ingress ? "ingress" : "egress") + "[" + i + "]";
            List<List<Match>> peers = peerAlternatives(r, p.namespace(), far, used);
            List<List<Match>> ports = portAlternatives(r, used);
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

    private static List<List<Match>> peerAlternatives(Rule r, String policyNamespace, Addr far, Map<String, SetSpec> used) {
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
                        String name = (f == Family.IPV4 ? "pods4_" : "pods6_") + PolicyCompiler.hash(key);
                        used.putIfAbsent(name, new SetSpec(name, f, false, false, new Source.Selection(s, policyNamespace)));
                        out.add(List.of(new Match.AddrIn(f, far, name)));
                    }
                }
                case Peer.Block b -> {
                    IpBlock block = b.ipBlock();
                    Family f = Family.of(block.cidr());
                    String name = (f == Family.IPV4 ? "block4_" : "block6_") + PolicyCompiler.hash(block.cidr() + " except " + new TreeSet<>(block.except()));
                    used.putIfAbsent(name, new SetSpec(name, f, false, true,
                            new Source.Fixed(PrefixDifference.of(block.cidr(), block.except()).stream().map(Element::of).toList())));
                    out.add(List.of(new Match.AddrIn(f, far, name)));
                }
            }
        }
        return out;
    }

    private static List<List<Match>> portAlternatives(Rule r, Map<String, SetSpec> used) {
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
                    used.putIfAbsent(set, new SetSpec(set, f, true, false, new Source.NamedPort(name, proto)));
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
}
