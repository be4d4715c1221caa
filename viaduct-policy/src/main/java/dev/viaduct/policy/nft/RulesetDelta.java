package dev.viaduct.policy.nft;

import dev.viaduct.policy.nft.Ruleset.Chain;
import dev.viaduct.policy.nft.Ruleset.Element;
import dev.viaduct.policy.nft.Ruleset.NamedSet;
import dev.viaduct.policy.nft.Ruleset.Verdict;
import dev.viaduct.policy.nft.Ruleset.VerdictMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What turns one ruleset of a table into another without replacing the table: objects added and deleted,
 * set and map elements added and deleted, regular chains refilled. Rendered as one transaction by
 * {@link NftScript#render(RulesetDelta)}; only valid against a kernel table that is exactly the first ruleset.
 * Lists are sorted by name, elements in their natural order, so equal changes are equal records.
 *
 * @param setChanges   element changes of sets that exist before and after ({@code flush}: empty it first)
 * @param addChains    regular chains that are new, with their rules
 * @param refillChains regular chains that stay but whose rules change (flushed, then filled again)
 * @param mapRemovals  verdict map entries to delete, per map; {@code mapAdditions} those to add
 * @param deleteChains in an order the kernel accepts: a chain after every removed chain that jumps to it
 */
public record RulesetDelta(String table, List<String> addCounters, List<NamedSet> addSets, List<SetChange> setChanges,
        List<Chain> addChains, List<Chain> refillChains, List<VerdictMap> mapRemovals, List<VerdictMap> mapAdditions,
        List<String> deleteChains, List<String> deleteSets, List<String> deleteCounters) {

    public RulesetDelta {
        addCounters = List.copyOf(addCounters);
        addSets = List.copyOf(addSets);
        setChanges = List.copyOf(setChanges);
        addChains = List.copyOf(addChains);
        refillChains = List.copyOf(refillChains);
        mapRemovals = List.copyOf(mapRemovals);
        mapAdditions = List.copyOf(mapAdditions);
        deleteChains = List.copyOf(deleteChains);
        deleteSets = List.copyOf(deleteSets);
        deleteCounters = List.copyOf(deleteCounters);
    }

    /** Elements of one existing set to delete and to add. */
    public record SetChange(String set, boolean withPort, boolean flush, List<Element> removed, List<Element> added) {
        public SetChange {
            removed = List.copyOf(removed);
            added = List.copyOf(added);
        }
    }

    public boolean isEmpty() {
        return addCounters.isEmpty() && addSets.isEmpty() && setChanges.isEmpty() && addChains.isEmpty() && refillChains.isEmpty()
                && mapRemovals.isEmpty() && mapAdditions.isEmpty() && deleteChains.isEmpty() && deleteSets.isEmpty()
                && deleteCounters.isEmpty();
    }

    /**
     * Whether {@link #between} can express the change from {@code applied} to {@code desired}: same table, base
     * chains and maps, and no set whose type changes.
     */
    public static boolean expressible(Ruleset applied, Ruleset desired) {
        return applied.table().equals(desired.table())
                && baseChains(applied).equals(baseChains(desired))
                && applied.maps().stream().map(VerdictMap::name).toList().equals(desired.maps().stream().map(VerdictMap::name).toList())
                && applied.sets().stream().noneMatch(a -> desired.set(a.name()).map(d -> !sameDeclaration(a, d)).orElse(false));
    }

    /** The delta from {@code applied} to {@code desired}, found by comparing them; needs {@link #expressible}. */
    public static RulesetDelta between(Ruleset applied, Ruleset desired) {
        if (!expressible(applied, desired)) {
            throw new IllegalArgumentException("a delta cannot turn table " + applied.table() + " into " + desired.table()
                    + " (base chains, maps or set types differ)");
        }
        Set<String> appliedCounters = new HashSet<>(applied.counters());
        Set<String> desiredCounters = new HashSet<>(desired.counters());
        List<String> addCounters = desired.counters().stream().filter(c -> !appliedCounters.contains(c)).sorted().toList();
        List<String> deleteCounters = applied.counters().stream().filter(c -> !desiredCounters.contains(c)).sorted().toList();

        Map<String, NamedSet> appliedSets = new HashMap<>();
        applied.sets().forEach(s -> appliedSets.put(s.name(), s));
        Set<String> desiredSets = new HashSet<>();
        List<NamedSet> addSets = new ArrayList<>();
        List<SetChange> setChanges = new ArrayList<>();
        for (NamedSet d : desired.sets()) {
            desiredSets.add(d.name());
            NamedSet a = appliedSets.get(d.name());
            if (a == null) {
                addSets.add(d);
                continue;
            }
            // hash sets: a cluster-wide pod set holds thousands of elements
            Set<Element> was = new HashSet<>(a.elements());
            Set<Element> now = new HashSet<>(d.elements());
            List<Element> gone = a.elements().stream().filter(e -> !now.contains(e)).sorted().toList();
            List<Element> added = d.elements().stream().filter(e -> !was.contains(e)).sorted().toList();
            if (!gone.isEmpty() || !added.isEmpty()) {
                setChanges.add(new SetChange(d.name(), d.withPort(), false, gone, added));
            }
        }
        List<String> deleteSets = applied.sets().stream().map(NamedSet::name).filter(n -> !desiredSets.contains(n)).sorted().toList();

        Map<String, Chain> appliedChains = new HashMap<>();
        applied.chains().forEach(c -> appliedChains.put(c.name(), c));
        Set<String> desiredChains = new HashSet<>();
        List<Chain> addChains = new ArrayList<>();
        List<Chain> refillChains = new ArrayList<>();
        for (Chain d : desired.chains()) {
            desiredChains.add(d.name());
            Chain a = appliedChains.get(d.name());
            if (d.hook() != null) {
                continue;
            }
            if (a == null) {
                addChains.add(d);
            } else if (!a.rules().equals(d.rules())) {
                refillChains.add(d);
            }
        }
        List<Chain> removed = applied.chains().stream().filter(a -> !desiredChains.contains(a.name())).toList();

        List<VerdictMap> mapRemovals = new ArrayList<>();
        List<VerdictMap> mapAdditions = new ArrayList<>();
        for (VerdictMap d : desired.maps()) {
            VerdictMap a = applied.map(d.name()).orElseThrow();
            Map<String, String> gone = new TreeMap<>(a.jumps());
            gone.entrySet().removeIf(e -> e.getValue().equals(d.jumps().get(e.getKey())));
            Map<String, String> added = new TreeMap<>(d.jumps());
            added.entrySet().removeIf(e -> e.getValue().equals(a.jumps().get(e.getKey())));
            if (!gone.isEmpty()) {
                mapRemovals.add(VerdictMap.of(d.name(), gone));
            }
            if (!added.isEmpty()) {
                mapAdditions.add(VerdictMap.of(d.name(), added));
            }
        }
        return new RulesetDelta(desired.table(), addCounters, sortedSets(addSets), sortedChanges(setChanges), sortedChains(addChains),
                sortedChains(refillChains), mapRemovals, mapAdditions, deleteOrder(removed), deleteSets, deleteCounters);
    }

    /**
     * Names of {@code removed} chains in an order the kernel accepts in one transaction (a chain still jumped
     * to cannot be deleted, nf_tables returns EBUSY): first those no other removed chain jumps to, then the rest;
     * each group sorted. Two levels suffice: pod chains jump to policy chains, which jump nowhere.
     */
    public static List<String> deleteOrder(List<Chain> removed) {
        TreeSet<String> first = new TreeSet<>();
        TreeSet<String> then = new TreeSet<>();
        for (Chain c : removed) {
            (removed.stream().anyMatch(o -> jumpsTo(o, c.name())) ? then : first).add(c.name());
        }
        List<String> out = new ArrayList<>(first);
        out.addAll(then);
        return out;
    }

    public static List<NamedSet> sortedSets(List<NamedSet> sets) {
        return sets.stream().sorted(Comparator.comparing(NamedSet::name)).toList();
    }

    public static List<SetChange> sortedChanges(List<SetChange> changes) {
        return changes.stream().sorted(Comparator.comparing(SetChange::set)).toList();
    }

    public static List<Chain> sortedChains(List<Chain> chains) {
        return chains.stream().sorted(Comparator.comparing(Chain::name)).toList();
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
}
