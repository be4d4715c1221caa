package dev.viaduct.policy.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.Namespace;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Node;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.policy.nft.Ruleset;
import dev.viaduct.policy.nft.RulesetDelta;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * {@link NodeCompiler} fed one object at a time (pods, policies and namespaces put, replaced and removed in a
 * random order) holds the ruleset a compile of the same objects from scratch gives, and each drained delta,
 * applied to the ruleset before it with nft's rules ({@link Deltas#apply}), gives the ruleset after it.
 */
class NodeCompilerPropertyTest {
    private static final Node N1 = RandomClusters.NODES.getFirst();

    @Property(tries = 300)
    void oneObjectAtATimeEndsWhereACompileFromScratchEndsAndEachDeltaGetsThere(@ForAll long seed) {
        RandomClusters gen = new RandomClusters(seed);
        Random r = new Random(seed);
        List<Cluster> sources = List.of(gen.cluster(), gen.cluster(), gen.cluster(), gen.cluster());
        Map<String, Pod> pods = new TreeMap<>();
        Map<String, NetworkPolicy> policies = new TreeMap<>();
        Map<String, Namespace> namespaces = new TreeMap<>();
        List<InetAddress> nodeIps = N1.ips();
        NodeCompiler c = new NodeCompiler(N1.name(), nodeIps);
        Ruleset applied = c.ruleset();
        c.drain();
        int nonEmpty = 0;
        for (int step = 0; step < 30; step++) {
            Cluster src = sources.get(r.nextInt(sources.size()));
            switch (r.nextInt(8)) {
                case 0, 1 -> {
                    Pod p = pick(src.pods(), r);
                    pods.put(p.name(), p);
                    c.putPod(p.name(), p);
                }
                case 2 -> {
                    String key = "pod" + (1 + r.nextInt(7));
                    pods.remove(key);
                    c.removePod(key);
                }
                case 3, 4 -> {
                    NetworkPolicy p = pick(src.policies(), r);
                    policies.put(p.id(), p);
                    c.putPolicy(p);
                }
                case 5 -> {
                    NetworkPolicy p = pick(src.policies(), r);
                    policies.remove(p.id());
                    c.removePolicy(p.namespace(), p.name());
                }
                case 6 -> {
                    if (src.namespaces().isEmpty() || r.nextInt(4) == 0) {
                        String name = pick(List.of("a", "b", "c", "d"), r);
                        namespaces.remove(name);
                        c.removeNamespace(name);
                    } else {
                        Namespace n = pick(src.namespaces(), r);
                        namespaces.put(n.name(), n);
                        c.putNamespace(n);
                    }
                }
                default -> {
                    nodeIps = r.nextBoolean() ? N1.ips() : List.of(N1.ips().getFirst());
                    c.setNodeIps(nodeIps);
                }
            }
            if (r.nextInt(3) > 0) {
                continue; // several changes in one delta, as between two passes of the agent
            }
            Ruleset now = c.ruleset();
            Cluster model = new Cluster(List.copyOf(policies.values()), List.copyOf(pods.values()), List.copyOf(namespaces.values()),
                    RandomClusters.NODES);
            assertThat(now).as("seed %d step %d", seed, step).isEqualTo(PolicyCompiler.compile(model, N1.name(), nodeIps));
            RulesetDelta d = c.drain();
            nonEmpty += d.isEmpty() ? 0 : 1;
            assertThat(Deltas.normal(Deltas.apply(applied, d))).as("seed %d step %d: %s", seed, step, d).isEqualTo(Deltas.normal(now));
            assertThat(c.drain().isEmpty()).as("a second drain has nothing").isTrue();
            applied = now;
        }
        Statistics.label("non-empty deltas").collect(Math.min(nonEmpty, 3));
    }

    private static <T> T pick(List<T> l, Random r) {
        return l.get(r.nextInt(l.size()));
    }
}
