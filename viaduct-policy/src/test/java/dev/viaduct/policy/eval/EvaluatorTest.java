package dev.viaduct.policy.eval;

import static dev.viaduct.policy.Samples.ip;
import static dev.viaduct.policy.Samples.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.policy.Samples;
import dev.viaduct.policy.api.NetworkPolicyReader;
import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.Namespace;
import dev.viaduct.policy.model.Node;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.policy.model.Protocol;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cases the upstream network-policy e2e suite covers, decided by the reference evaluator. */
class EvaluatorTest {
    // x/a, x/b, y/a, y/b, z/c: the upstream suite's namespaces and pods, labelled pod=<name>
    private static final List<Pod> PODS = List.of(
            pod("x", "a", Map.of("pod", "a"), "n1", List.of(new ContainerPort("serve-80-tcp", 80, Protocol.TCP)), "10.0.1.1", "fd00::1:1"),
            pod("x", "b", Map.of("pod", "b"), "n2", List.of(new ContainerPort("serve-81-udp", 81, Protocol.UDP)), "10.0.2.1", "fd00::2:1"),
            pod("y", "a", Map.of("pod", "a"), "n1", List.of(), "10.0.1.2"),
            pod("y", "b", Map.of("pod", "b"), "n2", List.of(), "10.0.2.2"),
            pod("z", "c", Map.of("pod", "c"), "n2", List.of(new ContainerPort("serve-80-tcp", 8080, Protocol.TCP)), "10.0.2.3"));
    private static final List<Namespace> NAMESPACES = List.of(
            new Namespace("x", Map.of("ns", "x")), new Namespace("y", Map.of("ns", "y", "team", "t")), new Namespace("z", Map.of("ns", "z")));
    private static final List<Node> NODES = List.of(new Node("n1", Samples.ips("192.168.0.1")), new Node("n2", Samples.ips("192.168.0.2")));

    private static Verdict check(String policies, String src, String dst, Transport t, int port) {
        try {
            Cluster c = new Cluster(NetworkPolicyReader.read(policies, "x"), PODS, NAMESPACES, NODES);
            return Evaluator.evaluate(c, new Traffic(ip(src), ip(dst), t, port));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static boolean allowed(String policies, String src, String dst, Transport t, int port) {
        return check(policies, src, dst, t, port).allowed();
    }

    private static String policy(String name, String spec) {
        return "---\n{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: " + name + "}, spec: " + spec + "}\n";
    }

    @Test
    void withoutPoliciesEverythingIsAllowed() {
        Verdict v = check("{kind: List, items: []}", "10.0.1.1", "10.0.2.1", Transport.TCP, 80);
        assertThat(v.allowed()).isTrue();
        assertThat(v.ingress().reason()).isEqualTo("not isolated: no policy selects it for Ingress");
    }

    @Test
    void defaultDenyIngressIsolatesEveryPodOfTheNamespace() {
        String deny = policy("deny", "{podSelector: {}}");
        Verdict v = check(deny, "10.0.1.2", "10.0.1.1", Transport.TCP, 80);
        assertThat(v.allowed()).isFalse();
        assertThat(v.ingress()).isEqualTo(new Verdict.Side("x/a", List.of("x/deny"), false, null, "no rule allows it"));
        assertThat(v.egress().allowed()).isTrue();
        assertThat(allowed(deny, "10.0.1.1", "10.0.1.2", Transport.TCP, 80)).as("egress from x is not isolated").isTrue();
    }

    @Test
    void defaultDenyEgressIsolatesTheSource() {
        String deny = policy("deny", "{podSelector: {}, policyTypes: [Egress]}");
        Verdict v = check(deny, "10.0.1.1", "10.0.1.2", Transport.UDP, 53);
        assertThat(v.allowed()).isFalse();
        assertThat(v.egress().selectedBy()).containsExactly("x/deny");
        assertThat(allowed(deny, "10.0.1.2", "10.0.1.1", Transport.TCP, 80)).isTrue();
    }

    @Test
    void podSelectorAlonePeersWithinThePolicysNamespace() {
        String p = policy("allow-b", "{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}");
        assertThat(allowed(p, "10.0.2.1", "10.0.1.1", Transport.TCP, 80)).as("x/b").isTrue();
        assertThat(allowed(p, "10.0.2.2", "10.0.1.1", Transport.TCP, 80)).as("y/b: other namespace").isFalse();
        assertThat(check(p, "10.0.2.1", "10.0.1.1", Transport.TCP, 80).ingress().allowedBy()).isEqualTo("x/allow-b ingress[0]");
    }

    @Test
    void namespaceAndPodSelectorInOnePeerAreAndedInTwoPeersOred() {
        String and = policy("and", "{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}, "
                + "podSelector: {matchLabels: {pod: b}}}]}]}");
        String or = policy("or", "{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}, "
                + "{podSelector: {matchLabels: {pod: b}}}]}]}");
        assertThat(allowed(and, "10.0.2.2", "10.0.1.1", Transport.TCP, 80)).as("y/b").isTrue();
        assertThat(allowed(and, "10.0.1.2", "10.0.1.1", Transport.TCP, 80)).as("y/a").isFalse();
        assertThat(allowed(and, "10.0.2.1", "10.0.1.1", Transport.TCP, 80)).as("x/b").isFalse();
        assertThat(allowed(or, "10.0.1.2", "10.0.1.1", Transport.TCP, 80)).as("y/a").isTrue();
        assertThat(allowed(or, "10.0.2.1", "10.0.1.1", Transport.TCP, 80)).as("x/b").isTrue();
        assertThat(allowed(or, "10.0.2.3", "10.0.1.1", Transport.TCP, 80)).as("z/c").isFalse();
    }

    @Test
    void emptyNamespaceSelectorMeansEveryNamespaceAndTheNameLabelWorks() {
        String all = policy("all", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}");
        assertThat(allowed(all, "10.0.2.3", "10.0.1.1", Transport.TCP, 80)).isTrue();
        assertThat(allowed(all, "192.168.7.7", "10.0.1.1", Transport.TCP, 80)).as("not a pod").isFalse();
        String byName = policy("byname", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: "
                + "{kubernetes.io/metadata.name: z}}}]}]}");
        assertThat(allowed(byName, "10.0.2.3", "10.0.1.1", Transport.TCP, 80)).isTrue();
        assertThat(allowed(byName, "10.0.1.2", "10.0.1.1", Transport.TCP, 80)).isFalse();
    }

    @Test
    void ipBlockWithExceptAppliesToPodsAndHostsAlike() {
        String p = policy("block", "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.2.0/24]}}]}]}");
        assertThat(allowed(p, "10.0.1.2", "10.0.1.1", Transport.TCP, 80)).isTrue();
        assertThat(allowed(p, "10.0.2.2", "10.0.1.1", Transport.TCP, 80)).as("excepted").isFalse();
        assertThat(allowed(p, "10.0.9.9", "10.0.1.1", Transport.TCP, 80)).as("a host in the block").isTrue();
        assertThat(allowed(p, "192.168.0.2", "10.0.1.1", Transport.TCP, 80)).as("another node: subject to ipBlock").isFalse();
        assertThat(allowed(p, "fd00::2:1", "fd00::1:1", Transport.TCP, 80)).as("IPv6 is not in a v4 block").isFalse();
    }

    @Test
    void trafficWithTheOwnNodeIsAlwaysAllowed() {
        String deny = policy("deny", "{podSelector: {}, policyTypes: [Ingress, Egress]}");
        Verdict in = check(deny, "192.168.0.1", "10.0.1.1", Transport.TCP, 80);
        assertThat(in.allowed()).isTrue();
        assertThat(in.ingress().reason()).isEqualTo("traffic between a pod and its own node is always allowed");
        assertThat(allowed(deny, "10.0.1.1", "192.168.0.1", Transport.TCP, 10250)).isTrue();
        assertThat(allowed(deny, "10.0.1.1", "192.168.0.2", Transport.TCP, 10250)).as("another node").isFalse();
    }

    @Test
    void portsByNumberRangeNameAndProtocol() {
        String p = policy("ports", "{podSelector: {}, ingress: [{ports: [{port: 80}, {protocol: UDP, port: 81}, {port: 8000, endPort: 8010}, "
                + "{port: serve-80-tcp}, {protocol: SCTP}]}]}");
        assertThat(allowed(p, "10.0.1.2", "10.0.1.1", Transport.TCP, 80)).isTrue();
        assertThat(allowed(p, "10.0.1.2", "10.0.1.1", Transport.UDP, 80)).as("TCP is the default").isFalse();
        assertThat(allowed(p, "10.0.1.2", "10.0.1.1", Transport.UDP, 81)).isTrue();
        assertThat(allowed(p, "10.0.1.2", "10.0.1.1", Transport.TCP, 8010)).isTrue();
        assertThat(allowed(p, "10.0.1.2", "10.0.1.1", Transport.TCP, 8011)).isFalse();
        assertThat(allowed(p, "10.0.1.2", "10.0.1.1", Transport.SCTP, 9)).as("any SCTP port").isTrue();
        assertThat(allowed(p, "10.0.1.2", "10.0.1.1", Transport.ICMP, 0)).as("ports listed: ICMP is not").isFalse();
        assertThat(allowed(policy("any", "{podSelector: {}, ingress: [{}]}"), "10.0.1.2", "10.0.1.1", Transport.ICMP, 0)).isTrue();
    }

    @Test
    void namedPortsResolveOnTheDestinationPod() {
        // x/a serves serve-80-tcp on 80; z/c names 8080 the same way
        String in = policy("named", "{podSelector: {}, ingress: [{ports: [{port: serve-80-tcp}]}]}");
        assertThat(allowed(in, "10.0.1.2", "10.0.1.1", Transport.TCP, 80)).isTrue();
        assertThat(allowed(in, "10.0.1.2", "10.0.1.1", Transport.TCP, 8080)).isFalse();
        assertThat(allowed(in, "10.0.1.2", "10.0.2.1", Transport.TCP, 80)).as("x/b has no such port: matches nothing").isFalse();
        String eg = policy("named-eg", "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{ports: [{port: serve-80-tcp}]}]}");
        assertThat(allowed(eg, "10.0.1.1", "10.0.2.3", Transport.TCP, 8080)).as("z/c's serve-80-tcp").isTrue();
        assertThat(allowed(eg, "10.0.1.1", "10.0.2.3", Transport.TCP, 80)).isFalse();
        assertThat(allowed(eg, "10.0.1.1", "10.9.9.9", Transport.TCP, 80)).as("not a pod: a name resolves to nothing").isFalse();
    }

    @Test
    void aMissingNamespaceMatchesNothing() {
        String p = policy("ghost", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: ghost}}}]}]}");
        assertThat(allowed(p, "10.0.1.2", "10.0.1.1", Transport.TCP, 80)).isFalse();
        // a pod whose namespace has no record is selected by no namespaceSelector, not even the empty one
        Cluster c = new Cluster(List.of(), List.of(pod("gone", "p", Map.of(), "n1", List.of(), "10.0.5.5")), List.of(), NODES);
        Evaluator e = new Evaluator(c);
        assertThat(e.podAt(ip("10.0.5.5")).namespace()).isEqualTo("gone");
    }

    @Test
    void policiesUnionAndTheFirstAllowingRuleIsReported() {
        String two = policy("one", "{podSelector: {}, ingress: [{ports: [{port: 80}]}]}")
                + policy("two", "{podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: 81}]}, {ports: [{port: 82}]}]}");
        Verdict v = check(two, "10.0.1.2", "10.0.1.1", Transport.TCP, 82);
        assertThat(v.allowed()).isTrue();
        assertThat(v.ingress().selectedBy()).containsExactly("x/one", "x/two");
        assertThat(v.ingress().allowedBy()).isEqualTo("x/two ingress[1]");
        assertThat(allowed(two, "10.0.1.2", "10.0.2.1", Transport.TCP, 82)).as("x/b: only x/one").isFalse();
    }
}
