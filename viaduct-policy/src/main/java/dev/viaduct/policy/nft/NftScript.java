package dev.viaduct.policy.nft;

import dev.viaduct.policy.nft.Ruleset.Chain;
import dev.viaduct.policy.nft.Ruleset.Element;
import dev.viaduct.policy.nft.Ruleset.Match;
import dev.viaduct.policy.nft.Ruleset.NamedSet;
import dev.viaduct.policy.nft.Ruleset.PortRange;
import dev.viaduct.policy.nft.Ruleset.Rule;
import dev.viaduct.policy.nft.Ruleset.Verdict;
import dev.viaduct.policy.nft.Ruleset.VerdictMap;
import java.util.List;
import java.util.Map;
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
     * what differs ({@link RulesetDelta#between}). Falls back to {@link #render} when the two differ in what a
     * delta cannot express (table name, base chains, a set's type). Only valid when the kernel's table is
     * exactly {@code applied}; whoever applies it must know that (or render all).
     */
    public static String renderUpdate(Ruleset applied, Ruleset desired) {
        return RulesetDelta.expressible(applied, desired) ? render(RulesetDelta.between(applied, desired)) : render(desired);
    }

    /**
     * A delta as one transaction, in an order nf_tables accepts: counters and sets before the rules that use
     * them, chains before the jumps and map elements that point at them, and deletions last (a chain, set or
     * counter still referenced cannot be deleted). Counters that stay keep their values. Empty for an empty delta.
     */
    public static String render(RulesetDelta d) {
        String t = "inet " + d.table();
        StringBuilder sb = new StringBuilder();
        for (String c : d.addCounters()) {
            sb.append("add counter ").append(t).append(' ').append(c).append('\n');
        }
        for (NamedSet s : d.addSets()) {
            sb.append("add set ").append(t).append(' ').append(s.name()).append(" {\n").append(setBody(s, "\t")).append("}\n");
        }
        for (RulesetDelta.SetChange c : d.setChanges()) {
            if (c.flush()) {
                sb.append("flush set ").append(t).append(' ').append(c.set()).append('\n');
            }
            if (!c.removed().isEmpty()) {
                sb.append("delete element ").append(t).append(' ').append(c.set()).append(" { ")
                        .append(c.removed().stream().map(e -> element(c.withPort(), e)).collect(Collectors.joining(", "))).append(" }\n");
            }
            if (!c.added().isEmpty()) {
                sb.append("add element ").append(t).append(' ').append(c.set()).append(" { ")
                        .append(c.added().stream().map(e -> element(c.withPort(), e)).collect(Collectors.joining(", "))).append(" }\n");
            }
        }
        for (Chain c : d.addChains()) {
            sb.append("add chain ").append(t).append(' ').append(c.name()).append('\n');
        }
        for (Chain c : d.addChains()) {
            rules(sb, t, c);
        }
        for (Chain c : d.refillChains()) {
            sb.append("flush chain ").append(t).append(' ').append(c.name()).append('\n');
            rules(sb, t, c);
        }
        for (VerdictMap m : d.mapRemovals()) {
            sb.append("delete element ").append(t).append(' ').append(m.name()).append(" { ").append(mapElements(m.jumps())).append(" }\n");
        }
        for (VerdictMap m : d.mapAdditions()) {
            sb.append("add element ").append(t).append(' ').append(m.name()).append(" { ").append(mapElements(m.jumps())).append(" }\n");
        }
        for (String c : d.deleteChains()) {
            sb.append("delete chain ").append(t).append(' ').append(c).append('\n');
        }
        for (String s : d.deleteSets()) {
            sb.append("delete set ").append(t).append(' ').append(s).append('\n');
        }
        for (String c : d.deleteCounters()) {
            sb.append("delete counter ").append(t).append(' ').append(c).append('\n');
        }
        return sb.toString();
    }

    private static void rules(StringBuilder sb, String table, Chain c) {
        for (Rule rule : c.rules()) {
            sb.append("add rule ").append(table).append(' ').append(c.name()).append(' ').append(rule(rule)).append('\n');
        }
    }

    private static String setBody(NamedSet s, String indent) {
        StringBuilder sb = new StringBuilder();
        sb.append(indent).append("type ").append(s.family().addrType).append(s.withPort() ? " . inet_service" : "").append('\n');
        if (s.interval()) {
            sb.append(indent).append("flags interval\n");
        }
        if (!s.elements().isEmpty()) {
            sb.append(indent).append("elements = { ")
                    .append(s.elements().stream().map(e -> element(s.withPort(), e)).collect(Collectors.joining(", ")))
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

    private static String element(boolean withPort, Element e) {
        String a = e.prefix().isHost() ? e.prefix().addressText() : e.prefix().toString();
        return withPort ? a + " . " + e.port() : a;
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
