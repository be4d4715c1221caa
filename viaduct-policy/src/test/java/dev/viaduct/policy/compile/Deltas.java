package dev.viaduct.policy.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.policy.nft.Ruleset;
import dev.viaduct.policy.nft.Ruleset.Chain;
import dev.viaduct.policy.nft.Ruleset.Element;
import dev.viaduct.policy.nft.Ruleset.Match;
import dev.viaduct.policy.nft.Ruleset.NamedSet;
import dev.viaduct.policy.nft.Ruleset.Verdict;
import dev.viaduct.policy.nft.Ruleset.VerdictMap;
import dev.viaduct.policy.nft.RulesetDelta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A delta applied to a ruleset in memory, with the checks nf_tables makes on each command of a transaction
 * (in the order {@code NftScript.render(RulesetDelta)} writes them): an element deleted must be there, a map key
 * added must not be, a chain, set or counter deleted must no longer be referenced.
 */
final class Deltas {
    private Deltas() {
    }

    /** What a ruleset holds, whatever the order of its lists. */
    record Normal(TreeSet<String> counters, Map<String, NamedSet> sets, Map<String, SortedMap<String, String>> maps,
                  Map<String, Chain> chains) {
    }

    static Normal normal(Ruleset r) {
        Map<String, NamedSet> sets = new TreeMap<>();
        r.sets().forEach(s -> sets.put(s.name(), new NamedSet(s.name(), s.family(), s.withPort(), s.interval(),
                List.copyOf(new TreeSet<>(s.elements())))));
        Map<String, SortedMap<String, String>> maps = new TreeMap<>();
        r.maps().forEach(m -> maps.put(m.name(), new TreeMap<>(m.jumps())));
        Map<String, Chain> chains = new TreeMap<>();
        r.chains().forEach(c -> chains.put(c.name(), c));
        return new Normal(new TreeSet<>(r.counters()), sets, maps, chains);
    }

    static Ruleset apply(Ruleset r, RulesetDelta d) {
        Normal n = normal(r);
        TreeSet<String> counters = n.counters();
        Map<String, TreeSet<Element>> elements = new TreeMap<>();
        Map<String, NamedSet> decl = new TreeMap<>(n.sets());
        n.sets().forEach((k, v) -> elements.put(k, new TreeSet<>(v.elements())));
        Map<String, SortedMap<String, String>> maps = n.maps();
        Map<String, Chain> chains = new TreeMap<>(n.chains());

        for (String c : d.addCounters()) {
            assertThat(counters.add(c)).as("counter %s added twice", c).isTrue();
        }
        for (NamedSet s : d.addSets()) {
            assertThat(decl).as("set %s added but there", s.name()).doesNotContainKey(s.name());
            decl.put(s.name(), s);
            elements.put(s.name(), new TreeSet<>(s.elements()));
        }
        for (RulesetDelta.SetChange c : d.setChanges()) {
            TreeSet<Element> e = elements.get(c.set());
            assertThat(e).as("set %s changed but missing", c.set()).isNotNull();
            if (c.flush()) {
                e.clear();
            }
            for (Element x : c.removed()) {
                assertThat(e.remove(x)).as("element %s deleted from %s but missing", x, c.set()).isTrue();
            }
            e.addAll(c.added());
        }
        for (Chain c : d.addChains()) {
            assertThat(chains).as("chain %s added but there", c.name()).doesNotContainKey(c.name());
            chains.put(c.name(), c);
        }
        for (Chain c : d.refillChains()) {
            assertThat(chains).as("chain %s refilled but missing", c.name()).containsKey(c.name());
            chains.put(c.name(), c);
        }
        for (VerdictMap m : d.mapRemovals()) {
            m.jumps().forEach((k, v) -> assertThat(maps.get(m.name()).remove(k)).as("map %s key %s", m.name(), k).isEqualTo(v));
        }
        for (VerdictMap m : d.mapAdditions()) {
            m.jumps().forEach((k, v) -> assertThat(maps.get(m.name()).put(k, v)).as("map %s key %s added but there", m.name(), k).isNull());
        }
        for (String c : d.deleteChains()) {
            assertThat(chains.remove(c)).as("chain %s deleted but missing", c).isNotNull();
            assertThat(referencedChains(chains, maps)).as("chain %s deleted while jumped to", c).doesNotContain(c);
        }
        for (String s : d.deleteSets()) {
            assertThat(decl.remove(s)).as("set %s deleted but missing", s).isNotNull();
            elements.remove(s);
            assertThat(referenced(chains, true)).as("set %s deleted while used", s).doesNotContain(s);
        }
        for (String c : d.deleteCounters()) {
            assertThat(counters.remove(c)).as("counter %s deleted but missing", c).isTrue();
            assertThat(referenced(chains, false)).as("counter %s deleted while used", c).doesNotContain(c);
        }
        List<NamedSet> sets = new ArrayList<>();
        decl.forEach((k, s) -> sets.add(new NamedSet(k, s.family(), s.withPort(), s.interval(), List.copyOf(elements.get(k)))));
        List<VerdictMap> vms = new ArrayList<>();
        maps.forEach((k, v) -> vms.add(VerdictMap.of(k, v)));
        return new Ruleset(d.table(), List.copyOf(counters), sets, vms, List.copyOf(chains.values()));
    }

    private static TreeSet<String> referencedChains(Map<String, Chain> chains, Map<String, SortedMap<String, String>> maps) {
        TreeSet<String> out = new TreeSet<>();
        maps.values().forEach(m -> out.addAll(m.values()));
        chains.values().forEach(c -> c.rules().forEach(r -> {
            if (r.verdict() instanceof Verdict.Jump j) {
                out.add(j.chain());
            }
        }));
        return out;
    }

    private static TreeSet<String> referenced(Map<String, Chain> chains, boolean sets) {
        TreeSet<String> out = new TreeSet<>();
        chains.values().forEach(c -> c.rules().forEach(r -> {
            if (!sets) {
                out.addAll(r.counters());
                return;
            }
            for (Match m : r.matches()) {
                switch (m) {
                    case Match.AddrIn a -> out.add(a.set());
                    case Match.DaddrPortIn p -> out.add(p.set());
                    default -> {
                    }
                }
            }
        }));
        return out;
    }
}
