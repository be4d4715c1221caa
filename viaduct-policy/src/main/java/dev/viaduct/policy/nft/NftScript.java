package dev.viaduct.policy.nft;

import dev.viaduct.policy.nft.Ruleset.Chain;
import dev.viaduct.policy.nft.Ruleset.Element;
import dev.viaduct.policy.nft.Ruleset.Match;
import dev.viaduct.policy.nft.Ruleset.NamedSet;
import dev.viaduct.policy.nft.Ruleset.PortRange;
import dev.viaduct.policy.nft.Ruleset.Rule;
import dev.viaduct.policy.nft.Ruleset.Verdict;
import dev.viaduct.policy.nft.Ruleset.VerdictMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Renders a {@link Ruleset} as one {@code nft -f} script. The script is a single transaction that replaces
 * the whole table: {@code add table} (so the {@code delete} cannot fail on a first apply), {@code delete
 * table}, then the table's full contents. nft commits a file atomically, so packets see the old ruleset or
 * the new one, never a table without rules (nft(8): "the whole file is committed as one transaction").
 * Everything else in the ruleset (other tables) is untouched.
 */
public final class NftScript {
    private NftScript() {
    }

    public static String render(Ruleset r) {
        StringBuilder sb = new StringBuilder();
        String t = "inet " + r.table();
        sb.append("add table ").append(t).append('\n');
        sb.append("delete table ").append(t).append('\n');
        sb.append("table ").append(t).append(" {\n");
        for (String c : r.counters()) {
            sb.append("\tcounter ").append(c).append(" {\n\t}\n");
        }
        for (NamedSet s : r.sets()) {
            sb.append("\tset ").append(s.name()).append(" {\n").append(setBody(s, "\t\t")).append("\t}\n");
        }
        for (VerdictMap m : r.maps()) {
            sb.append("\tmap ").append(m.name()).append(" {\n\t\ttype ifname : verdict\n");
            if (!m.jumps().isEmpty()) {
                sb.append("\t\telements = { ").append(mapElements(m.jumps())).append(" }\n");
            }
            sb.append("\t}\n");
        }
        for (Chain c : r.chains()) {
            sb.append("\tchain ").append(c.name()).append(" {\n");
            if (c.hook() != null) {
                sb.append("\t\ttype filter hook ").append(c.hook().hook()).append(" priority ").append(c.hook().priority())
                        .append("; policy accept;\n");
            }
            for (Rule rule : c.rules()) {
                sb.append("\t\t").append(rule(rule)).append('\n');
            }
            sb.append("\t}\n");
        }
        return sb.append("}\n").toString();
    }

    /**
     * The commands that turn the table {@code applied} into {@code desired} in one transaction, touching only
     * what differs: set and map elements added and deleted, chains added, refilled ({@code flush chain} and
     * its rules again) or deleted, sets and counters added or deleted. Counters that stay keep their values,
     * and a pod coming or going changes set elements and its own chains only. Falls back to {@link #render}
     * when the two differ in what a delta cannot express (table name, base chains, a set's type). Only valid
     * when the kernel's table is exactly {@code applied}; whoever applies it must know that (or render all).
     */
    public static String renderUpdate(Ruleset applied, Ruleset desired) {
        if (!applied.table().equals(desired.table())
                || !baseChains(applied).equals(baseChains(desired))
                || !applied.maps().stream().map(VerdictMap::name).toList().equals(desired.maps().stream().map(VerdictMap::name).toList())
                || applied.sets().stream().anyMatch(a -> desired.set(a.name()).map(d -> !sameDeclaration(a, d)).orElse(false))) {
            return render(desired);
        }
        String t = "inet " + desired.table();
        StringBuilder sb = new StringBuilder();
        Set<String> appliedCounters = new HashSet<>(applied.counters());
        Set<String> desiredCounters = new HashSet<>(desired.counters());
        for (String c : desired.counters()) {
            if (!appliedCounters.contains(c)) {
                sb.append("add counter ").append(t).append(' ').append(c).append('\n');
            }
        }
        for (NamedSet d : desired.sets()) {
            NamedSet a = applied.set(d.name()).orElse(null);
            if (a == null) {
                sb.append("add set ").append(t).append(' ').append(d.name()).append(" {\n").append(setBody(d, "\t")).append("}\n");
                continue;
            }
            // hash sets: a cluster-wide pod set holds thousands of elements, and list lookups made this quadratic
            Set<Element> was = new HashSet<>(a.elements());
            Set<Element> now = new HashSet<>(d.elements());
            List<Element> gone = a.elements().stream().filter(e -> !now.contains(e)).toList();
            List<Element> added = d.elements().stream().filter(e -> !was.contains(e)).toList();
            if (!gone.isEmpty()) {
                sb.append("delete element ").append(t).append(' ').append(d.name()).append(" { ")
                        .append(gone.stream().map(e -> element(d, e)).collect(Collectors.joining(", "))).append(" }\n");
            }
            if (!added.isEmpty()) {
                sb.append("add element ").append(t).append(' ').append(d.name()).append(" { ")
                        .append(added.stream().map(e -> element(d, e)).collect(Collectors.joining(", "))).append(" }\n");
            }
        }
        // by name: a node's table has a chain per isolated pod and policy, and lookups in the lists were quadratic
        Map<String, Chain> appliedChains = new java.util.HashMap<>();
        applied.chains().forEach(c -> appliedChains.put(c.name(), c));
        Set<String> desiredChains = new HashSet<>();
        desired.chains().forEach(c -> desiredChains.add(c.name()));
        for (Chain d : desired.chains()) {
            if (d.hook() == null && !appliedChains.containsKey(d.name())) {
                sb.append("add chain ").append(t).append(' ').append(d.name()).append('\n');
            }
        }
        for (Chain d : desired.chains()) {
            Chain a = appliedChains.get(d.name());
            if (d.hook() != null || (a != null && a.rules().equals(d.rules()))) {
                continue;
            }
            if (a != null) {
                sb.append("flush chain ").append(t).append(' ').append(d.name()).append('\n');
            }
            for (Rule rule : d.rules()) {
                sb.append("add rule ").append(t).append(' ').append(d.name()).append(' ').append(rule(rule)).append('\n');
            }
        }
        for (VerdictMap d : desired.maps()) {
            VerdictMap a = applied.map(d.name()).orElseThrow();
            Map<String, String> gone = new TreeMap<>(a.jumps());
            gone.entrySet().removeIf(e -> e.getValue().equals(d.jumps().get(e.getKey())));
            Map<String, String> added = new TreeMap<>(d.jumps());
            added.entrySet().removeIf(e -> e.getValue().equals(a.jumps().get(e.getKey())));
            if (!gone.isEmpty()) {
                sb.append("delete element ").append(t).append(' ').append(d.name()).append(" { ").append(mapElements(gone)).append(" }\n");
            }
            if (!added.isEmpty()) {
                sb.append("add element ").append(t).append(' ').append(d.name()).append(" { ").append(mapElements(added)).append(" }\n");
            }
        }
        // chains nothing jumps to any more: those still jumped to by another removed chain go after it
        List<Chain> removed = applied.chains().stream().filter(a -> !desiredChains.contains(a.name())).toList();
        List<Chain> first = removed.stream().filter(c -> removed.stream().noneMatch(o -> jumpsTo(o, c.name()))).toList();
        for (Chain c : first) {
            sb.append("delete chain ").append(t).append(' ').append(c.name()).append('\n');
        }
        for (Chain c : removed) {
            if (!first.contains(c)) {
                sb.append("delete chain ").append(t).append(' ').append(c.name()).append('\n');
            }
        }
        for (NamedSet a : applied.sets()) {
            if (desired.set(a.name()).isEmpty()) {
                sb.append("delete set ").append(t).append(' ').append(a.name()).append('\n');
            }
        }
        for (String c : applied.counters()) {
            if (!desiredCounters.contains(c)) {
                sb.append("delete counter ").append(t).append(' ').append(c).append('\n');
            }
        }
        return sb.toString();
    }

    private static List<Chain> baseChains(Ruleset r) {
        return r.chains().stream().filter(c -> c.hook() != null).toList();
    }

    private static boolean sameDeclaration(NamedSet a, NamedSet b) {
        return a.family() == b.family() && a.withPort() == b.withPort() && a.interval() == b.interval();
    }

    private static boolean jumpsTo(Chain from, String target) {
        return from.rules().stream().anyMatch(r -> r.verdict() instanceof Verdict.Jump j && j.chain().equals(target));
    }

    private static String setBody(NamedSet s, String indent) {
        StringBuilder sb = new StringBuilder();
        sb.append(indent).append("type ").append(s.family().addrType).append(s.withPort() ? " . inet_service" : "").append('\n');
        if (s.interval()) {
            sb.append(indent).append("flags interval\n");
        }
        if (!s.elements().isEmpty()) {
            sb.append(indent).append("elements = { ")
                    .append(s.elements().stream().map(e -> element(s, e)).collect(Collectors.joining(", ")))
                    .append(" }\n");
        }
        return sb.toString();
    }

    private static String mapElements(Map<String, String> jumps) {
        return jumps.entrySet().stream().map(e -> '"' + e.getKey() + "\" : jump " + e.getValue()).collect(Collectors.joining(", "));
    }

    /** One rule as nft writes it. */
    public static String rule(Rule rule) {
        StringBuilder sb = new StringBuilder();
        for (Match m : rule.matches()) {
            sb.append(match(m)).append(' ');
        }
        for (String c : rule.counters()) {
            sb.append("counter name \"").append(c).append("\" ");
        }
        if (rule.verdict() != null) {
            sb.append(verdict(rule.verdict())).append(' ');
        }
        if (rule.comment() != null) {
            sb.append("comment \"").append(rule.comment().replace("\"", "'")).append("\" ");
        }
        return sb.toString().strip();
    }

    private static String element(NamedSet s, Element e) {
        String a = e.prefix().isHost() ? e.prefix().addressText() : e.prefix().toString();
        return s.withPort() ? a + " . " + e.port() : a;
    }

    private static String match(Match m) {
        return switch (m) {
            case Match.AddrIn a -> a.family().keyword + " " + (a.addr() == Ruleset.Addr.SADDR ? "saddr" : "daddr") + " @" + a.set();
            case Match.DaddrPortIn d -> d.family().keyword + " daddr . th dport @" + d.set();
            case Match.L4Proto p -> "meta l4proto " + p.protocol();
            case Match.DportIn d -> "th dport " + ports(d.ranges());
            case Match.CtState c -> "ct state " + String.join(",", c.states());
        };
    }

    private static String ports(List<PortRange> ranges) {
        List<String> parts = ranges.stream().map(r -> r.first() == r.last() ? Integer.toString(r.first()) : r.first() + "-" + r.last()).toList();
        return parts.size() == 1 ? parts.getFirst() : "{ " + String.join(", ", parts) + " }";
    }

    private static String verdict(Verdict v) {
        return switch (v) {
            case Verdict.Accept a -> "accept";
            case Verdict.Drop d -> "drop";
            case Verdict.Jump j -> "jump " + j.chain();
            case Verdict.IfnameVmap vm -> (vm.input() ? "iifname" : "oifname") + " vmap @" + vm.map();
        };
    }
}
