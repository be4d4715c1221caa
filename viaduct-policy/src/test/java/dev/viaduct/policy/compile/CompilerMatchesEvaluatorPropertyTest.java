package dev.viaduct.policy.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.policy.eval.Evaluator;
import dev.viaduct.policy.eval.Traffic;
import dev.viaduct.policy.eval.Verdict;
import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.Node;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.policy.nft.NftScript;
import dev.viaduct.policy.nft.Ruleset;
import dev.viaduct.policy.nft.RulesetInterpreter;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * The compiled rulesets of every node, run by the IR interpreter along the path a packet takes, decide
 * exactly what the reference evaluator decides, on random clusters and random connections.
 *
 * <p>The path model: a packet from a pod enters its node's forward path through the pod's host veth; a
 * packet to a pod leaves its node's forward path through the pod's host veth; between nodes it crosses the
 * uplink ({@code eth0}). A packet from or to a node's own address never crosses that node's forward path
 * (it is local output or input), so that node's table does not see it.
 */
class CompilerMatchesEvaluatorPropertyTest {
    private static final String UPLINK = "eth0";

    @Property(tries = 400)
    void interpretedRulesetsAgreeWithTheEvaluator(@ForAll long seed) {
        RandomClusters gen = new RandomClusters(seed);
        Cluster cluster = gen.cluster();
        Map<String, Ruleset> tables = cluster.nodes().stream()
                .collect(Collectors.toMap(Node::name, n -> PolicyCompiler.compile(cluster, n.name(), n.ips())));
        Evaluator evaluator = new Evaluator(cluster);
        for (int i = 0; i < 40; i++) {
            RandomClusters.Query q = gen.query(cluster);
            if (q.src().equals(q.dst())) {
                continue;
            }
            boolean expected = evaluator.evaluate(new Traffic(q.src(), q.dst(), q.transport(), q.port())).allowed();
            boolean actual = forward(cluster, tables, q);
            Statistics.label("verdict").collect(expected ? "allowed" : "denied");
            assertThat(actual).as("seed %d: %s\n%s\nnode n1:\n%s", seed, q, cluster, NftScript.render(tables.get("n1")))
                    .isEqualTo(expected);
        }
    }

    /** The generator must produce both verdicts, and rules that allow, often; or agreement proves little. */
    @Property(tries = 1000)
    void bothVerdictsAndAllowingRulesAreCommon(@ForAll long seed) {
        RandomClusters gen = new RandomClusters(seed);
        Cluster cluster = gen.cluster();
        RandomClusters.Query q = gen.query(cluster);
        Verdict v = Evaluator.evaluate(cluster, new Traffic(q.src(), q.dst(), q.transport(), q.port()));
        Statistics.label("verdict").collect(v.allowed() ? "allowed" : "denied");
        Statistics.label("verdict").coverage(c -> {
            c.check("allowed").percentage(p -> p > 20);
            c.check("denied").percentage(p -> p > 10);
        });
        boolean byRule = v.allowed() && (v.ingress().allowedBy() != null || v.egress().allowedBy() != null);
        Statistics.label("allowed by a rule").collect(byRule);
        Statistics.label("allowed by a rule").coverage(c -> c.check(true).percentage(p -> p > 2));
    }

    @Property(tries = 100)
    void outputDoesNotDependOnInputOrder(@ForAll long seed) {
        Cluster c = new RandomClusters(seed).cluster();
        Random r = new Random(seed);
        Cluster shuffled = new Cluster(shuffle(c.policies(), r), shuffle(c.pods(), r), shuffle(c.namespaces(), r), c.nodes());
        for (Node n : c.nodes()) {
            assertThat(NftScript.render(PolicyCompiler.compile(shuffled, n.name(), n.ips())))
                    .isEqualTo(NftScript.render(PolicyCompiler.compile(c, n.name(), n.ips())));
        }
    }

    private static <T> List<T> shuffle(List<T> l, Random r) {
        List<T> out = new ArrayList<>(l);
        Collections.shuffle(out, r);
        return out;
    }

    /** Runs the packet through the tables of the nodes it is forwarded by. */
    private static boolean forward(Cluster c, Map<String, Ruleset> tables, RandomClusters.Query q) {
        Function<InetAddress, Pod> podAt = a -> c.pods().stream().filter(p -> p.ips().contains(a)).findFirst().orElse(null);
        Pod src = podAt.apply(q.src());
        Pod dst = podAt.apply(q.dst());
        String l4 = switch (q.transport()) {
            case TCP -> "tcp";
            case UDP -> "udp";
            case SCTP -> "sctp";
            case ICMP -> q.src().getAddress().length == 4 ? "icmp" : "ipv6-icmp";
        };
        boolean ok = true;
        if (src != null && !ownAddress(c, src.node(), q.dst())) {
            String oif = dst != null && dst.node().equals(src.node()) ? dst.hostVeth() : UPLINK;
            ok = run(tables.get(src.node()), src.hostVeth(), oif, q, l4);
        }
        if (ok && dst != null && (src == null || !dst.node().equals(src.node())) && !ownAddress(c, dst.node(), q.src())) {
            ok = run(tables.get(dst.node()), UPLINK, dst.hostVeth(), q, l4);
        }
        return ok;
    }

    private static boolean ownAddress(Cluster c, String node, InetAddress a) {
        return c.node(node).orElseThrow().ips().contains(a);
    }

    private static boolean run(Ruleset table, String iif, String oif, RandomClusters.Query q, String l4) {
        return new RulesetInterpreter(table)
                .run(new RulesetInterpreter.Packet(iif, oif, q.src(), q.dst(), l4, q.port(), "new")).accepted();
    }
}
