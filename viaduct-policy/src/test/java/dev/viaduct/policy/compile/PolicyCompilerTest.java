package dev.viaduct.policy.compile;

import static dev.viaduct.policy.Samples.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.policy.Samples;
import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.LabelSelector;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.NetworkPolicySpec;
import dev.viaduct.policy.model.IngressRule;
import dev.viaduct.policy.model.Peer;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.policy.model.PolicyPort;
import dev.viaduct.policy.model.PolicyType;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.policy.nft.NftScript;
import dev.viaduct.policy.nft.Ruleset;
import dev.viaduct.policy.nft.RulesetInterpreter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyCompilerTest {
    private static final LabelSelector FRONTEND = LabelSelector.matchLabels(Map.of("role", "frontend"));

    private static NetworkPolicy allowFrom(String name, Peer peer, PolicyPort... ports) {
        return new NetworkPolicy("prod", name, new NetworkPolicySpec(LabelSelector.ALL, List.of(),
                List.of(new IngressRule(List.of(peer), List.of(ports))), List.of()));
    }

    private static Cluster with(NetworkPolicy... policies) {
        Cluster base = Samples.cluster();
        return new Cluster(List.of(policies), base.pods(), base.namespaces(), base.nodes());
    }

    @Test
    void equalSelectionsShareOneSetAcrossPolicies() {
        Ruleset r = PolicyCompiler.compile(with(allowFrom("a", new Peer.Pods(FRONTEND, null), PolicyPort.number(Protocol.TCP, 80)),
                allowFrom("b", new Peer.Pods(LabelSelector.matchLabels(Map.of("role", "frontend")), null))), "n1", Samples.ips("192.168.0.1"));
        assertThat(r.sets()).extracting(Ruleset.NamedSet::name).filteredOn(n -> n.startsWith("pods4_")).hasSize(1);
        assertThat(r.sets()).filteredOn(s -> s.name().startsWith("pods4_")).first()
                .extracting(Ruleset.NamedSet::elements).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                .containsExactly(Ruleset.Element.of(dev.viaduct.sys.net.IpPrefix.parse("10.244.2.2/32")));
    }

    @Test
    void aMissingNamespaceOrPortNameCompilesToAnEmptySetNotToAllowAll() {
        Ruleset r = PolicyCompiler.compile(with(
                allowFrom("ghost", new Peer.Pods(null, LabelSelector.matchLabels(Map.of("kubernetes.io/metadata.name", "ghost")))),
                allowFrom("noport", new Peer.Pods(null, LabelSelector.ALL), PolicyPort.named(Protocol.TCP, "nope"))), "n1", Samples.ips("192.168.0.1"));
        assertThat(r.chain("pol-in_prod_ghost").orElseThrow().rules()).allSatisfy(rule -> assertThat(rule.matches()).isNotEmpty());
        assertThat(r.sets()).filteredOn(s -> s.name().startsWith("named")).allSatisfy(s -> assertThat(s.elements()).isEmpty());
        // and indeed nothing passes: frontend → db on 80
        RulesetInterpreter in = new RulesetInterpreter(r);
        Pod db = Samples.cluster().pods().getFirst();
        assertThat(in.run(new RulesetInterpreter.Packet("eth0", db.hostVeth(), ip("10.244.2.2"), ip("10.244.1.2"), "tcp", 80, "new")).accepted())
                .isFalse();
    }

    @Test
    void onlyIsolatedLocalPodsGetChainsAndMapElements() {
        Ruleset r = PolicyCompiler.compile(Samples.cluster(), "n1", Samples.ips("192.168.0.1"));
        Map<String, String> in = r.map(PolicyCompiler.INGRESS_MAP).orElseThrow().jumps();
        Map<String, String> eg = r.map(PolicyCompiler.EGRESS_MAP).orElseThrow().jumps();
        List<Pod> pods = Samples.cluster().pods();
        Pod db = pods.get(0);
        Pod web = pods.get(1);
        Pod other = pods.get(4);
        assertThat(in).containsOnlyKeys(db.hostVeth(), web.hostVeth());
        assertThat(eg).containsOnlyKeys(db.hostVeth());
        assertThat(in.get(db.hostVeth())).isEqualTo("pod-in_" + db.hostVeth());
        assertThat(in).doesNotContainKey(other.hostVeth());
        // n2's pods are in sets (as peers) but get no chains on n1
        assertThat(r.chains()).extracting(Ruleset.Chain::name).noneMatch(n -> n.contains(pods.get(2).hostVeth()));
        assertThat(r.counters()).containsExactly("drop-eg_prod_test-network-policy", "drop-in_prod_test-network-policy",
                "drop-in_prod_web-named-and-range");
        assertThat(PolicyCompiler.counter(Samples.policies().getFirst(), PolicyType.Egress)).isEqualTo("drop-eg_prod_test-network-policy");
    }

    @Test
    void dropsAreCountedPerPolicyDirectionAndRepliesPass() {
        Ruleset r = PolicyCompiler.compile(Samples.cluster(), "n1", Samples.ips("192.168.0.1"));
        RulesetInterpreter in = new RulesetInterpreter(r);
        Pod db = Samples.cluster().pods().getFirst();
        RulesetInterpreter.Result dropped = in.run(
                new RulesetInterpreter.Packet("eth0", db.hostVeth(), ip("10.9.9.9"), ip("10.244.1.2"), "tcp", 6379, "new"));
        assertThat(dropped.accepted()).isFalse();
        assertThat(dropped.counters()).containsExactly("drop-in_prod_test-network-policy");
        assertThat(in.run(new RulesetInterpreter.Packet("eth0", db.hostVeth(), ip("10.9.9.9"), ip("10.244.1.2"), "tcp", 6379, "established"))
                .accepted()).as("a reply of an allowed connection").isTrue();
        assertThat(in.run(new RulesetInterpreter.Packet("eth0", db.hostVeth(), ip("172.17.0.9"), ip("10.244.1.2"), "tcp", 6379, "invalid"))
                .accepted()).as("conntrack invalid").isFalse();
        assertThat(in.run(new RulesetInterpreter.Packet("eth0", db.hostVeth(), ip("172.17.0.9"), ip("10.244.1.2"), "tcp", 6379, "new"))
                .accepted()).as("in the ipBlock").isTrue();
        assertThat(in.run(new RulesetInterpreter.Packet("eth0", db.hostVeth(), ip("172.17.1.9"), ip("10.244.1.2"), "tcp", 6379, "new"))
                .accepted()).as("in its except").isFalse();
    }

    @Test
    void aLocalPodWithoutVethIsAnError() {
        Cluster base = Samples.cluster();
        Pod noVeth = new Pod("prod", "new", Map.of(), List.of(ip("10.244.1.9")), "n1", null, List.of());
        Cluster c = new Cluster(base.policies(), List.of(noVeth), base.namespaces(), base.nodes());
        assertThatThrownBy(() -> PolicyCompiler.compile(c, "n1", List.of())).hasMessageContaining("prod/new");
    }

    @Test
    void overlongPolicyNamesAreHashedToFitNftablesNames() {
        String longName = "x".repeat(250);
        NetworkPolicy p = new NetworkPolicy("prod", longName, new NetworkPolicySpec(LabelSelector.ALL, List.of(), List.of(), List.of()));
        String counter = PolicyCompiler.counter(p, PolicyType.Ingress);
        assertThat(counter).hasSizeLessThanOrEqualTo(255).startsWith("drop-in_");
        assertThat(NftScript.render(PolicyCompiler.compile(with(p), "n1", List.of()))).contains("counter " + counter);
    }

    @Test
    void selectorSetsHoldThePodAddressesOfBothFamilies() {
        Ruleset r = PolicyCompiler.compile(with(allowFrom("a", new Peer.Pods(FRONTEND, null))), "n1", List.of());
        assertThat(r.sets()).filteredOn(s -> s.name().startsWith("pods"))
                .flatExtracting(Ruleset.NamedSet::elements)
                .extracting(e -> e.prefix().addressText())
                .containsExactlyInAnyOrder("10.244.2.2", "fd00:244:2::2");
    }
}
