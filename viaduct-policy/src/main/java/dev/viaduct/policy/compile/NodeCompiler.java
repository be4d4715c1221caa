package dev.viaduct.policy.compile;

import dev.viaduct.policy.compile.PolicyRules.SetSpec;
import dev.viaduct.policy.compile.PolicyRules.Source;
import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.Namespace;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.policy.model.PolicyType;
import dev.viaduct.policy.nft.Ruleset;
import dev.viaduct.policy.nft.Ruleset.Addr;
import dev.viaduct.policy.nft.Ruleset.Chain;
import dev.viaduct.policy.nft.Ruleset.Element;
import dev.viaduct.policy.nft.Ruleset.Family;
import dev.viaduct.policy.nft.Ruleset.Hook;
import dev.viaduct.policy.nft.Ruleset.Match;
import dev.viaduct.policy.nft.Ruleset.NamedSet;
import dev.viaduct.policy.nft.Ruleset.Verdict;
import dev.viaduct.policy.nft.Ruleset.VerdictMap;
import dev.viaduct.policy.nft.RulesetDelta;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One node's policy table ({@link PolicyCompiler} describes its layout), kept up to date one object at a time:
 * a pod, policy or namespace put or removed changes only what depends on it, and {@link #drain} says what
 * changed since the last drain as a {@link RulesetDelta}, so applying a pod that comes or goes costs its set
 * elements, its own chains and map entries, not the whole table.
 *
 * <p>What depends on what: a pod's addresses are elements of the peer sets whose selection it matches and of
 * the named-port sets of the ports it declares; a pod of this node has a chain per isolated direction (jumps to
 * the policies of its namespace that select it) and a map entry; a policy direction has a chain, a counter and
 * references to its sets while at least one local pod's chain jumps to it; a set exists while a policy chain
 * refers to it, its elements counted per contributing pod (two pods may share an address while one replaces
 * the other). A namespace's labels decide, per set, whether its pods can be selected at all.
 *
 * <p>Costs: a pod put or removed is one test per set (namespace decisions cached per set) plus, for a local
 * pod, one selector test per policy of its namespace; a policy put or removed re-examines its namespace's local
 * pods and, when a set is new, scans the pods once; a namespace's labels changing re-examines its pods.
 *
 * <p>Pure and deterministic: {@link #ruleset} is the same for the same objects whatever order they came in.
 * Not thread-safe: one owner. Its indexes and the tracked output change together on every put and remove, which
 * is why they share one (long) file; the rules of a policy direction, a function of the policy alone, are
 * {@link PolicyRules}'.
 */
public final class NodeCompiler {
    private final String node;
    private List<InetAddress> nodeIps = List.of();
    private final Map<String, Namespace> namespaces = new HashMap<>();
    private final Map<String, Pod> pods = new HashMap<>();
    /** Pods by namespace (key → pod): a peer's namespace condition is decided once per namespace, not per pod. */
    private final Map<String, Map<String, Pod>> podsByNamespace = new HashMap<>();
    /** Policies by namespace, by name: a pod can only be selected by policies of its own namespace. */
    private final Map<String, SortedMap<String, NetworkPolicy>> policies = new HashMap<>();
    private int policyCount;
    /** This node's pods: key → the policies isolating it per direction, as its chains last jumped to them. */
    private final Map<String, Map<PolicyType, List<NetworkPolicy>>> local = new HashMap<>();
    private final Map<String, Set<String>> localByNamespace = new HashMap<>();
    /** Policy directions a local pod's chain jumps to, by policy chain name. */
    private final Map<String, Active> active = new HashMap<>();
    private final Map<String, SetState> sets = new HashMap<>();

    // the output, each entry with what it was at the last drain (first touch records it)
    private final Map<String, Chain> chains = new HashMap<>();
    private final Map<String, Optional<Chain>> chainsBefore = new HashMap<>();
    private final Set<String> counters = new HashSet<>();
    private final Map<String, Boolean> countersBefore = new HashMap<>();
    private final Map<String, Boolean> setsBefore = new HashMap<>();
    private final Map<String, SortedMap<String, String>> jumps = new TreeMap<>();
    private final Map<String, Map<String, Optional<String>>> jumpsBefore = new HashMap<>();

    /** A policy direction in use: its chain's sets (released when the last local pod stops jumping to it). */
    private static final class Active {
        final PolicyType type;
        int users;
        List<SetSpec> sets;

        Active(PolicyType type, List<SetSpec> sets) {
            this.type = type;
            this.sets = sets;
        }
    }

    private static final class SetState {
        final SetSpec spec;
        int refs;
        /** Element → how many pods contribute it. */
        final Map<Element, Integer> elements = new HashMap<>();
        /** Element → whether it was in the set at the last drain, for elements touched since. */
        final Map<Element, Boolean> before = new HashMap<>();
        /** Namespace → whether the selection can select its pods (Selection sets only). */
        final Map<String, Boolean> namespaceMatch = new HashMap<>();
        /** Deleted and created again since the last drain: its elements are rewritten (flush, add). */
        boolean recreated;

        SetState(SetSpec spec) {
            this.spec = spec;
        }

        void add(Element e) {
            if (elements.merge(e, 1, Integer::sum) == 1) {
                before.putIfAbsent(e, false);
            }
        }

        void remove(Element e) {
            Integer n = elements.get(e);
            if (n == null) {
                return;
            }
            if (n == 1) {
                elements.remove(e);
                before.putIfAbsent(e, true);
            } else {
                elements.put(e, n - 1);
            }
        }
    }

    /** @param nodeIps the node's own addresses: traffic between them and the node's pods is always allowed */
    public NodeCompiler(String node, List<InetAddress> nodeIps) {
        this.node = node;
        jumps.put(PolicyCompiler.EGRESS_MAP, new TreeMap<>());
        jumps.put(PolicyCompiler.INGRESS_MAP, new TreeMap<>());
        for (Family f : Family.values()) {
            acquire(new SetSpec(nodeSet(f), f, false, false, new Source.Fixed(List.of())));
        }
        setNodeIps(nodeIps);
    }

    // ------------------------------------------------------------------ inputs

    public void setNodeIps(List<InetAddress> ips) {
        List<InetAddress> next = List.copyOf(ips);
        if (next.equals(nodeIps)) {
            return;
        }
        for (Family f : Family.values()) {
            SetState s = sets.get(nodeSet(f));
            hosts(nodeIps, f).forEach(s::remove);
            hosts(next, f).forEach(s::add);
        }
        nodeIps = next;
    }

    /** Puts (or replaces) the pod known as {@code key}; a pod of this node needs its {@code hostVeth}. */
    public void putPod(String key, Pod pod) {
        boolean isLocal = pod.node().equals(node);
        if (isLocal && (pod.hostVeth() == null || pod.hostVeth().isEmpty())) {
            throw new IllegalArgumentException("pod " + pod.id() + " on node " + node + " has no host veth name");
        }
        Pod old = pods.put(key, pod);
        if (pod.equals(old)) {
            return;
        }
        if (old != null) {
            unindex(key, old);
            contribute(old, false);
        }
        podsByNamespace.computeIfAbsent(pod.namespace(), n -> new HashMap<>()).put(key, pod);
        contribute(pod, true);
        if (isLocal) {
            localByNamespace.computeIfAbsent(pod.namespace(), n -> new HashSet<>()).add(key);
        }
        refreshLocal(key, old != null && old.node().equals(node) ? old : null, isLocal ? pod : null);
    }

    public void removePod(String key) {
        Pod old = pods.remove(key);
        if (old == null) {
            return;
        }
        unindex(key, old);
        contribute(old, false);
        if (old.node().equals(node)) {
            refreshLocal(key, old, null);
        }
    }

    public void putPolicy(NetworkPolicy p) {
        SortedMap<String, NetworkPolicy> inNamespace = policies.computeIfAbsent(p.namespace(), n -> new TreeMap<>());
        NetworkPolicy old = inNamespace.put(p.name(), p);
        if (p.equals(old)) {
            return;
        }
        if (old == null) {
            policyCount++;
        } else {
            // directions in use get the new rules now; the pods' chains below may then stop using them
            for (PolicyType type : PolicyType.values()) {
                Active a = active.get(PolicyCompiler.policyChain(p, type));
                if (a != null) {
                    List<SetSpec> previous = a.sets;
                    a.sets = fillPolicyChain(p, type);
                    previous.forEach(this::release);
                }
            }
        }
        refreshNamespace(p.namespace());
    }

    public void removePolicy(String namespace, String name) {
        SortedMap<String, NetworkPolicy> inNamespace = policies.get(namespace);
        if (inNamespace == null || inNamespace.remove(name) == null) {
            return;
        }
        policyCount--;
        if (inNamespace.isEmpty()) {
            policies.remove(namespace);
        }
        refreshNamespace(namespace);
    }

    public void putNamespace(Namespace n) {
        Namespace old = namespaces.get(n.name());
        if (n.equals(old)) {
            return;
        }
        namespaceChanged(n.name(), () -> namespaces.put(n.name(), n));
    }

    public void removeNamespace(String name) {
        if (namespaces.containsKey(name)) {
            namespaceChanged(name, () -> namespaces.remove(name));
        }
    }

    // ------------------------------------------------------------------ outputs

    public int policyCount() {
        return policyCount;
    }

    /** The pods put, by key. */
    public Map<String, Pod> pods() {
        return Map.copyOf(pods);
    }

    /** Rules in the table's chains. */
    public int ruleCount() {
        return 2 + chains.values().stream().mapToInt(c -> c.rules().size()).sum();
    }

    /** Counter name → (namespace, policy, direction) of the policy directions in use. */
    public Map<String, List<String>> counterLabels() {
        Map<String, List<String>> out = new TreeMap<>();
        for (Map.Entry<String, SortedMap<String, NetworkPolicy>> e : policies.entrySet()) {
            for (NetworkPolicy p : e.getValue().values()) {
                for (PolicyType t : PolicyType.values()) {
                    if (active.containsKey(PolicyCompiler.policyChain(p, t))) {
                        out.put(PolicyCompiler.counter(p, t), List.of(p.namespace(), p.name(), t.name().toLowerCase()));
                    }
                }
            }
        }
        return out;
    }

    /** The whole table as it is now. */
    public Ruleset ruleset() {
        List<NamedSet> named = new ArrayList<>();
        for (SetState s : new TreeMap<>(sets).values()) {
            SetSpec sp = s.spec;
            named.add(new NamedSet(sp.name(), sp.family(), sp.withPort(), sp.interval(), List.copyOf(new TreeSet<>(s.elements.keySet()))));
        }
        List<VerdictMap> maps = List.of(VerdictMap.of(PolicyCompiler.EGRESS_MAP, jumps.get(PolicyCompiler.EGRESS_MAP)),
                VerdictMap.of(PolicyCompiler.INGRESS_MAP, jumps.get(PolicyCompiler.INGRESS_MAP)));
        List<Chain> all = new ArrayList<>(baseChains());
        TreeMap<String, Chain> sorted = new TreeMap<>(chains);
        sorted.values().stream().filter(c -> c.name().startsWith(POLICY_CHAIN)).forEach(all::add);
        sorted.values().stream().filter(c -> !c.name().startsWith(POLICY_CHAIN)).forEach(all::add);
        return new Ruleset(PolicyCompiler.TABLE, List.copyOf(new TreeSet<>(counters)), named, maps, all);
    }

    /** Whether anything was touched since the last drain (the next delta may still turn out empty). */
    public boolean touched() {
        return !countersBefore.isEmpty() || !setsBefore.isEmpty() || !chainsBefore.isEmpty() || !jumpsBefore.isEmpty()
                || sets.values().stream().anyMatch(s -> !s.before.isEmpty());
    }

    /** What changed since the last drain (or since construction), and starts the next round. */
    public RulesetDelta drain() {
        List<String> addCounters = new ArrayList<>();
        List<String> deleteCounters = new ArrayList<>();
        countersBefore.forEach((c, was) -> {
            boolean now = counters.contains(c);
            if (now && !was) {
                addCounters.add(c);
            } else if (was && !now) {
                deleteCounters.add(c);
            }
        });
        List<NamedSet> addSets = new ArrayList<>();
        List<String> deleteSets = new ArrayList<>();
        List<RulesetDelta.SetChange> setChanges = new ArrayList<>();
        setsBefore.forEach((name, was) -> {
            SetState now = sets.get(name);
            if (now != null && !was) {
                SetSpec sp = now.spec;
                addSets.add(new NamedSet(name, sp.family(), sp.withPort(), sp.interval(), List.copyOf(new TreeSet<>(now.elements.keySet()))));
            } else if (now == null && was) {
                deleteSets.add(name);
            }
        });
        for (SetState s : sets.values()) {
            Boolean was = setsBefore.get(s.spec.name());
            if (was != null && !was) {
                continue; // new: added whole above
            }
            if (s.recreated) {
                setChanges.add(new RulesetDelta.SetChange(s.spec.name(), s.spec.withPort(), true, List.of(),
                        List.copyOf(new TreeSet<>(s.elements.keySet()))));
                continue;
            }
            TreeSet<Element> removed = new TreeSet<>();
            TreeSet<Element> added = new TreeSet<>();
            s.before.forEach((e, present) -> {
                boolean now = s.elements.containsKey(e);
                if (present && !now) {
                    removed.add(e);
                } else if (!present && now) {
                    added.add(e);
                }
            });
            if (!removed.isEmpty() || !added.isEmpty()) {
                setChanges.add(new RulesetDelta.SetChange(s.spec.name(), s.spec.withPort(), false, List.copyOf(removed), List.copyOf(added)));
            }
        }
        List<Chain> addChains = new ArrayList<>();
        List<Chain> refillChains = new ArrayList<>();
        List<Chain> removed = new ArrayList<>();
        chainsBefore.forEach((name, was) -> {
            Chain now = chains.get(name);
            if (was.isEmpty() && now != null) {
                addChains.add(now);
            } else if (was.isPresent() && now == null) {
                removed.add(was.get());
            } else if (was.isPresent() && !was.get().equals(now)) {
                refillChains.add(now);
            }
        });
        List<VerdictMap> mapRemovals = new ArrayList<>();
        List<VerdictMap> mapAdditions = new ArrayList<>();
        for (Map.Entry<String, SortedMap<String, String>> m : jumps.entrySet()) {
            Map<String, String> gone = new TreeMap<>();
            Map<String, String> added = new TreeMap<>();
            jumpsBefore.getOrDefault(m.getKey(), Map.of()).forEach((veth, was) -> {
                String now = m.getValue().get(veth);
                if (was.isPresent() && !was.get().equals(now)) {
                    gone.put(veth, was.get());
                }
                if (now != null && !was.equals(Optional.of(now))) {
                    added.put(veth, now);
                }
            });
            if (!gone.isEmpty()) {
                mapRemovals.add(VerdictMap.of(m.getKey(), gone));
            }
            if (!added.isEmpty()) {
                mapAdditions.add(VerdictMap.of(m.getKey(), added));
            }
        }
        countersBefore.clear();
        setsBefore.clear();
        for (SetState s : sets.values()) {
            s.before.clear();
            s.recreated = false;
        }
        chainsBefore.clear();
        jumpsBefore.clear();
        return new RulesetDelta(PolicyCompiler.TABLE, addCounters.stream().sorted().toList(), RulesetDelta.sortedSets(addSets),
                RulesetDelta.sortedChanges(setChanges), RulesetDelta.sortedChains(addChains), RulesetDelta.sortedChains(refillChains),
                mapRemovals, mapAdditions, RulesetDelta.deleteOrder(removed), deleteSets.stream().sorted().toList(),
                deleteCounters.stream().sorted().toList());
    }

    // ------------------------------------------------------------------ pods and namespaces

    private void unindex(String key, Pod old) {
        Map<String, Pod> inNamespace = podsByNamespace.get(old.namespace());
        inNamespace.remove(key);
        if (inNamespace.isEmpty()) {
            podsByNamespace.remove(old.namespace());
        }
        Set<String> l = localByNamespace.get(old.namespace());
        if (l != null && l.remove(key) && l.isEmpty()) {
            localByNamespace.remove(old.namespace());
        }
    }

    /** Adds (or takes back) {@code pod}'s elements in every set. */
    private void contribute(Pod pod, boolean add) {
        for (SetState s : sets.values()) {
            for (Element e : contribution(s, pod)) {
                if (add) {
                    s.add(e);
                } else {
                    s.remove(e);
                }
            }
        }
    }

    private List<Element> contribution(SetState s, Pod pod) {
        return switch (s.spec.source()) {
            case Source.Selection sel -> namespaceMatches(s, sel, pod.namespace()) && sel.peer().selectsLabels(pod)
                    ? hosts(pod.ips(), s.spec.family()) : List.of();
            case Source.NamedPort np -> namedPortElements(pod, np, s.spec.family());
            case Source.Fixed f -> List.of();
        };
    }

    private boolean namespaceMatches(SetState s, Source.Selection sel, String namespace) {
        return s.namespaceMatch.computeIfAbsent(namespace, n -> sel.peer().selectsNamespace(n, sel.policyNamespace(), namespaces));
    }

    private static List<Element> namedPortElements(Pod pod, Source.NamedPort np, Family f) {
        List<Element> out = new ArrayList<>();
        for (ContainerPort cp : pod.ports()) {
            if (cp.name().equals(np.name()) && cp.protocol() == np.protocol()) {
                for (Element host : hosts(pod.ips(), f)) {
                    out.add(new Element(host.prefix(), cp.port()));
                }
            }
        }
        return out;
    }

    /** Namespace {@code name}'s labels change (by {@code change}): selections whose namespace decision flips gain or lose its pods. */
    private void namespaceChanged(String name, Runnable change) {
        change.run();
        Map<String, Pod> inNamespace = podsByNamespace.getOrDefault(name, Map.of());
        for (SetState s : sets.values()) {
            if (!(s.spec.source() instanceof Source.Selection sel)) {
                continue;
            }
            Boolean was = s.namespaceMatch.remove(name);
            boolean now = namespaceMatches(s, sel, name);
            if (was == null || was == now) {
                continue; // never decided: no pod of it was ever added under the old decision
            }
            for (Pod pod : inNamespace.values()) {
                if (sel.peer().selectsLabels(pod)) {
                    for (Element e : hosts(pod.ips(), s.spec.family())) {
                        if (now) {
                            s.add(e);
                        } else {
                            s.remove(e);
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ local pods and policy directions

    private void refreshNamespace(String namespace) {
        for (String key : List.copyOf(localByNamespace.getOrDefault(namespace, Set.of()))) {
            Pod pod = pods.get(key);
            refreshLocal(key, pod, pod);
        }
    }

    /** Rewrites the chains and map entries of local pod {@code key}, now {@code pod} (null: gone), before {@code old}. */
    private void refreshLocal(String key, Pod old, Pod pod) {
        Map<PolicyType, List<NetworkPolicy>> was = local.getOrDefault(key, Map.of());
        Map<PolicyType, List<NetworkPolicy>> now = new EnumMap<>(PolicyType.class);
        for (PolicyType type : PolicyType.values()) {
            List<NetworkPolicy> selecting = pod == null ? List.of() : selecting(pod, type);
            now.put(type, selecting);
            // directions gained first, so a policy moving between pods keeps its chain and sets
            for (NetworkPolicy p : selecting) {
                use(p, type);
            }
            for (NetworkPolicy p : was.getOrDefault(type, List.of())) {
                unuse(p, type);
            }
            String map = type == PolicyType.Ingress ? PolicyCompiler.INGRESS_MAP : PolicyCompiler.EGRESS_MAP;
            if (old != null && !was.getOrDefault(type, List.of()).isEmpty()) {
                setChain(podChain(old, type), null);
                setJump(map, old.hostVeth(), null);
            }
            if (!selecting.isEmpty()) {
                String chain = podChain(pod, type);
                setChain(chain, new Chain(chain, null, podRules(pod, type, selecting)));
                setJump(map, pod.hostVeth(), chain);
            }
        }
        if (pod == null) {
            local.remove(key);
        } else {
            local.put(key, now);
        }
    }

    private List<NetworkPolicy> selecting(Pod pod, PolicyType type) {
        List<NetworkPolicy> out = new ArrayList<>();
        for (NetworkPolicy p : policies.getOrDefault(pod.namespace(), new TreeMap<>()).values()) {
            if (p.spec().effectiveTypes().contains(type) && p.selects(pod)) {
                out.add(p);
            }
        }
        return out;
    }

    private void use(NetworkPolicy p, PolicyType type) {
        String chain = PolicyCompiler.policyChain(p, type);
        Active a = active.get(chain);
        if (a == null) {
            a = new Active(type, fillPolicyChain(p, type));
            active.put(chain, a);
            setCounter(PolicyCompiler.counter(p, type), true);
        }
        a.users++;
    }

    private void unuse(NetworkPolicy p, PolicyType type) {
        String chain = PolicyCompiler.policyChain(p, type);
        Active a = active.get(chain);
        if (--a.users == 0) {
            active.remove(chain);
            setChain(chain, null);
            setCounter(PolicyCompiler.counter(p, type), false);
            a.sets.forEach(this::release);
        }
    }

    /** Writes the policy direction's chain; returns the sets it now holds (acquired). */
    private List<SetSpec> fillPolicyChain(NetworkPolicy p, PolicyType type) {
        Map<String, SetSpec> used = new LinkedHashMap<>();
        List<Ruleset.Rule> rules = PolicyRules.of(p, type, used);
        List<SetSpec> held = List.copyOf(used.values());
        held.forEach(this::acquire);
        String chain = PolicyCompiler.policyChain(p, type);
        setChain(chain, new Chain(chain, null, rules));
        return held;
    }

    private List<Ruleset.Rule> podRules(Pod pod, PolicyType type, List<NetworkPolicy> selecting) {
        List<Ruleset.Rule> rules = new ArrayList<>();
        rules.add(Ruleset.Rule.of(Ruleset.ACCEPT, new Match.CtState(List.of("established", "related"))));
        rules.add(Ruleset.Rule.of(Ruleset.DROP, new Match.CtState(List.of("invalid"))));
        Addr far = type == PolicyType.Ingress ? Addr.SADDR : Addr.DADDR;
        for (Family f : Family.values()) {
            rules.add(new Ruleset.Rule(List.of(new Match.AddrIn(f, far, nodeSet(f))), List.of(), Ruleset.ACCEPT, "own node"));
        }
        for (NetworkPolicy p : selecting) {
            rules.add(Ruleset.Rule.of(new Verdict.Jump(PolicyCompiler.policyChain(p, type))));
        }
        for (NetworkPolicy p : selecting) {
            rules.add(new Ruleset.Rule(List.of(), List.of(PolicyCompiler.counter(p, type)), null, null));
        }
        rules.add(new Ruleset.Rule(List.of(), List.of(), Ruleset.DROP, "no rule allows it"));
        return rules;
    }

    private static String podChain(Pod pod, PolicyType type) {
        return (type == PolicyType.Ingress ? "pod-in_" : "pod-eg_") + pod.hostVeth();
    }

    // ------------------------------------------------------------------ sets and tracked output

    private void acquire(SetSpec spec) {
        SetState s = sets.get(spec.name());
        if (s != null) {
            s.refs++;
            return;
        }
        s = new SetState(spec);
        s.refs = 1;
        Boolean was = setsBefore.putIfAbsent(spec.name(), false);
        s.recreated = Boolean.TRUE.equals(was);
        sets.put(spec.name(), s);
        switch (spec.source()) {
            case Source.Fixed f -> f.elements().forEach(s::add);
            case Source.Selection sel -> {
                for (Map.Entry<String, Map<String, Pod>> ns : podsByNamespace.entrySet()) {
                    if (namespaceMatches(s, sel, ns.getKey())) {
                        for (Pod pod : ns.getValue().values()) {
                            if (sel.peer().selectsLabels(pod)) {
                                hosts(pod.ips(), spec.family()).forEach(s::add);
                            }
                        }
                    }
                }
            }
            case Source.NamedPort np -> {
                for (Pod pod : pods.values()) {
                    namedPortElements(pod, np, spec.family()).forEach(s::add);
                }
            }
        }
    }

    private void release(SetSpec spec) {
        SetState s = sets.get(spec.name());
        if (--s.refs == 0) {
            sets.remove(spec.name());
            setsBefore.putIfAbsent(spec.name(), true);
        }
    }

    private void setChain(String name, Chain c) {
        chainsBefore.putIfAbsent(name, Optional.ofNullable(chains.get(name)));
        if (c == null) {
            chains.remove(name);
        } else {
            chains.put(name, c);
        }
    }

    private void setCounter(String name, boolean present) {
        countersBefore.putIfAbsent(name, counters.contains(name));
        if (present) {
            counters.add(name);
        } else {
            counters.remove(name);
        }
    }

    private void setJump(String map, String veth, String chain) {
        SortedMap<String, String> m = jumps.get(map);
        jumpsBefore.computeIfAbsent(map, k -> new HashMap<>()).putIfAbsent(veth, Optional.ofNullable(m.get(veth)));
        if (chain == null) {
            m.remove(veth);
        } else {
            m.put(veth, chain);
        }
    }

    private static final String POLICY_CHAIN = "pol-";

    private static List<Chain> baseChains() {
        return List.of(
                new Chain("egress", new Hook("forward", PolicyCompiler.EGRESS_PRIORITY),
                        List.of(Ruleset.Rule.of(new Verdict.IfnameVmap(true, PolicyCompiler.EGRESS_MAP)))),
                new Chain("ingress", new Hook("forward", PolicyCompiler.INGRESS_PRIORITY),
                        List.of(Ruleset.Rule.of(new Verdict.IfnameVmap(false, PolicyCompiler.INGRESS_MAP)))));
    }

    static List<Element> hosts(List<InetAddress> ips, Family f) {
        return ips.stream().map(IpPrefix::host).filter(p -> Family.of(p) == f).sorted().distinct().map(Element::of).toList();
    }

    static String nodeSet(Family f) {
        return f == Family.IPV4 ? "node4" : "node6";
    }
}
