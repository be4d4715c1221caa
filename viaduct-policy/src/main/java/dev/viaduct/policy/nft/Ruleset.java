package dev.viaduct.policy.nft;

import dev.viaduct.sys.net.IpPrefix;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One nftables table, family {@code inet}: everything the policy compiler produces for one node.
 * Lists are kept in the order they render (deterministic: the compiler sorts them).
 */
public record Ruleset(String table, List<String> counters, List<NamedSet> sets, List<VerdictMap> maps, List<Chain> chains) {
    public Ruleset {
        counters = List.copyOf(counters);
        sets = List.copyOf(sets);
        maps = List.copyOf(maps);
        chains = List.copyOf(chains);
    }

    public Optional<Chain> chain(String name) {
        return chains.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    public Optional<NamedSet> set(String name) {
        return sets.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public Optional<VerdictMap> map(String name) {
        return maps.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** Number of rules in all chains. */
    public int ruleCount() {
        return chains.stream().mapToInt(c -> c.rules().size()).sum();
    }

    /** Address families of the {@code ip}/{@code ip6} expressions. */
    public enum Family {
        IPV4("ip", "ipv4_addr"), IPV6("ip6", "ipv6_addr");

        final String keyword;
        final String addrType;

        Family(String keyword, String addrType) {
            this.keyword = keyword;
            this.addrType = addrType;
        }

        public static Family of(IpPrefix p) {
            return p.ipv6() ? IPV6 : IPV4;
        }
    }

    /**
     * A named set: addresses ({@code ip}/{@code ip6} prefixes; {@code interval} when any is not a host), or
     * address-and-port pairs ({@code ipv4_addr . inet_service}) when {@code withPort}.
     */
    public record NamedSet(String name, Family family, boolean withPort, boolean interval, List<Element> elements) {
        public NamedSet {
            elements = List.copyOf(elements);
        }
    }

    /** A set element: a prefix, with a port for address-and-port sets. */
    public record Element(IpPrefix prefix, int port) implements Comparable<Element> {
        public static Element of(IpPrefix p) {
            return new Element(p, 0);
        }

        @Override
        public int compareTo(Element o) {
            int c = prefix.compareTo(o.prefix);
            return c != 0 ? c : Integer.compare(port, o.port);
        }
    }

    /** An {@code ifname : verdict} map whose values jump to chains. */
    public record VerdictMap(String name, SortedMap<String, String> jumps) {
        public VerdictMap {
            jumps = new TreeMap<>(jumps);
        }

        public static VerdictMap of(String name, Map<String, String> jumps) {
            return new VerdictMap(name, new TreeMap<>(jumps));
        }
    }

    /** A chain; base chains have a hook (type filter, policy accept). */
    public record Chain(String name, Hook hook, List<Rule> rules) {
        public Chain {
            rules = List.copyOf(rules);
        }
    }

    /** {@code type filter hook <hook> priority <priority>; policy accept;} */
    public record Hook(String hook, int priority) {
    }

    /** Matches ANDed, then counters, then the verdict (null: continue with the next rule). */
    public record Rule(List<Match> matches, List<String> counters, Verdict verdict, String comment) {
        public Rule {
            matches = List.copyOf(matches);
            counters = List.copyOf(counters);
        }

        public static Rule of(Verdict verdict, Match... matches) {
            return new Rule(List.of(matches), List.of(), verdict, null);
        }
    }

    /** Which address of the packet. */
    public enum Addr {
        SADDR, DADDR
    }

    /** Rule matches. */
    public sealed interface Match {
        /** {@code ip saddr @set} / {@code ip6 daddr @set}; implies the family. */
        record AddrIn(Family family, Addr addr, String set) implements Match {
        }

        /** {@code ip daddr . th dport @set}; implies the family; needs an {@link L4Proto} before it. */
        record DaddrPortIn(Family family, String set) implements Match {
        }

        /** {@code meta l4proto tcp|udp|sctp}. */
        record L4Proto(String protocol) implements Match {
        }

        /** {@code th dport { 80, 8000-8080 }}; needs an {@link L4Proto} before it. */
        record DportIn(List<PortRange> ranges) implements Match {
            public DportIn {
                ranges = List.copyOf(ranges);
            }
        }

        /** {@code ct state established,related}. */
        record CtState(List<String> states) implements Match {
            public CtState {
                states = List.copyOf(states);
            }
        }
    }

    /** An inclusive port range ({@code first == last} for one port). */
    public record PortRange(int first, int last) {
    }

    /** Rule verdicts. */
    public sealed interface Verdict {
        record Accept() implements Verdict {
        }

        record Drop() implements Verdict {
        }

        record Jump(String chain) implements Verdict {
        }

        /** {@code iifname vmap @map} or {@code oifname vmap @map}: jump where the map says, else continue. */
        record IfnameVmap(boolean input, String map) implements Verdict {
        }
    }

    public static final Verdict ACCEPT = new Verdict.Accept();
    public static final Verdict DROP = new Verdict.Drop();
}
