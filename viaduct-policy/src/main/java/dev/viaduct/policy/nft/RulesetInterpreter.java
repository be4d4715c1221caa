package dev.viaduct.policy.nft;

import dev.viaduct.policy.nft.Ruleset.Chain;
import dev.viaduct.policy.nft.Ruleset.Element;
import dev.viaduct.policy.nft.Ruleset.Family;
import dev.viaduct.policy.nft.Ruleset.Match;
import dev.viaduct.policy.nft.Ruleset.NamedSet;
import dev.viaduct.policy.nft.Ruleset.PortRange;
import dev.viaduct.policy.nft.Ruleset.Rule;
import dev.viaduct.policy.nft.Ruleset.Verdict;
import dev.viaduct.sys.net.IpPrefix;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Runs one packet through a {@link Ruleset} as the kernel's nf_tables would on the ruleset's hook: base chains
 * in priority order; within a chain rules in order; {@code jump} returns to the next rule when the target
 * chain ends or returns; an {@code accept} ends the current base chain only (the packet goes on to the next
 * base chain), {@code drop} ends everything; a base chain that ends applies its policy (always accept here).
 * A verdict-map lookup that finds no element continues with the next rule.
 */
public final class RulesetInterpreter {
    private static final int MAX_DEPTH = 16;

    private final Ruleset ruleset;

    public RulesetInterpreter(Ruleset ruleset) {
        this.ruleset = ruleset;
    }

    /**
     * A packet on the forward path.
     *
     * @param ctState conntrack state: {@code new}, {@code established}, {@code related} or {@code invalid}
     * @param l4proto {@code tcp}, {@code udp}, {@code sctp}, {@code icmp} or {@code ipv6-icmp}
     * @param dport   destination port; ignored for protocols without ports
     */
    public record Packet(String iif, String oif, InetAddress src, InetAddress dst, String l4proto, int dport, String ctState) {
    }

    /** Whether the packet passes, and the named counters it incremented. */
    public record Result(boolean accepted, List<String> counters) {
    }

    private enum Outcome {
        ACCEPT, DROP, CONTINUE
    }

    public Result run(Packet p) {
        List<String> counters = new ArrayList<>();
        List<Chain> bases = ruleset.chains().stream().filter(c -> c.hook() != null)
                .sorted(Comparator.comparingInt(c -> c.hook().priority())).toList();
        for (Chain base : bases) {
            if (chain(base, p, counters, 0) == Outcome.DROP) {
                return new Result(false, counters);
            }
        }
        return new Result(true, counters);
    }

    private Outcome chain(Chain c, Packet p, List<String> counters, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalStateException("jump depth over " + MAX_DEPTH + " at chain " + c.name());
        }
        for (Rule r : c.rules()) {
            if (!r.matches().stream().allMatch(m -> matches(m, p))) {
                continue;
            }
            counters.addAll(r.counters());
            Verdict v = r.verdict();
            String target;
            switch (v) {
                case null -> target = null;
                case Verdict.Accept a -> {
                    return Outcome.ACCEPT;
                }
                case Verdict.Drop d -> {
                    return Outcome.DROP;
                }
                case Verdict.Jump j -> target = j.chain();
                case Verdict.IfnameVmap vm -> target = ruleset.map(vm.map())
                        .orElseThrow(() -> new IllegalStateException("no map " + vm.map()))
                        .jumps().get(vm.input() ? p.iif() : p.oif());
            }
            if (target != null) {
                Chain next = ruleset.chain(target).orElseThrow(() -> new IllegalStateException("no chain " + target));
                Outcome o = chain(next, p, counters, depth + 1);
                if (o != Outcome.CONTINUE) {
                    return o;
                }
            }
        }
        return Outcome.CONTINUE;
    }

    private boolean matches(Match m, Packet p) {
        return switch (m) {
            case Match.AddrIn a -> family(p) == a.family()
                    && inSet(a.set(), IpPrefix.host(a.addr() == Ruleset.Addr.SADDR ? p.src() : p.dst()), -1);
            case Match.DaddrPortIn d -> family(p) == d.family() && hasPorts(p) && inSet(d.set(), IpPrefix.host(p.dst()), p.dport());
            case Match.L4Proto l -> l.protocol().equals(p.l4proto());
            case Match.DportIn d -> hasPorts(p) && d.ranges().stream().anyMatch(r -> inRange(r, p.dport()));
            case Match.CtState c -> c.states().contains(p.ctState());
        };
    }

    private boolean inSet(String name, IpPrefix host, int port) {
        NamedSet s = ruleset.set(name).orElseThrow(() -> new IllegalStateException("no set " + name));
        for (Element e : s.elements()) {
            if (e.prefix().contains(host) && (port < 0 || e.port() == port)) {
                return true;
            }
        }
        return false;
    }

    private static boolean inRange(PortRange r, int port) {
        return port >= r.first() && port <= r.last();
    }

    private static boolean hasPorts(Packet p) {
        return switch (p.l4proto()) {
            case "tcp", "udp", "sctp" -> true;
            default -> false;
        };
    }

    private static Family family(Packet p) {
        return p.src() instanceof Inet6Address ? Family.IPV6 : Family.IPV4;
    }
}
