package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.cli.Main;
import dev.viaduct.ipam.Handle;
import dev.viaduct.lab.Lab;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.testsupport.Poll;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * NetworkPolicy on a 3-node lab (one lab for the class), driven through the commands other tools script
 * against ({@code viaduct lab ns|pod|probe}, {@code viaduct ctl policy|explain}), covering what the upstream
 * Kubernetes network-policy e2e suite covers. Pods: x/a and x/c on n1 (same-node pair), x/b and y/d on n2,
 * z/e and y/f on n3; each answers on 80/tcp, 81/tcp, 80/udp, 81/udp (named serve-80-tcp ...) and 53/udp.
 * Every test starts with no policy (the one before deleted its own) and checks both the blocked and the
 * allowed side, so a ruleset that blocks everything fails as surely as one that blocks nothing.
 */
@Tag("root")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetworkPolicyLabTest {
    private static final Duration EFFECT = Duration.ofSeconds(20);
    private static final String PORTS = "serve-80-tcp=80/tcp,serve-81-tcp=81/tcp,serve-80-udp=80/udp,serve-81-udp=81/udp,53/udp";
    static LabFixture f;
    static Path dir;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> s.withNodes(3).withPodsPerNode(0));
        dir = Files.createTempDirectory("policy-e2e");
        lab("ns", "add", "x", "--labels", "ns=x");
        lab("ns", "add", "y", "--labels", "ns=y");
        lab("ns", "add", "z", "--labels", "ns=z");
        addPod("n1", "x", "a");
        addPod("n1", "x", "c");
        addPod("n2", "x", "b");
        addPod("n2", "y", "d");
        addPod("n3", "z", "e");
        addPod("n3", "y", "f");
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    @AfterEach
    void deleteEveryPolicy() {
        for (KeyValue kv : f.store.list(Keys.defaults().policies()).kvs()) {
            f.store.delete(kv.key());
        }
    }

    private static void addPod(String node, String ns, String pod) {
        lab("pod", "add", "--node", node, "--namespace", ns, "--pod", pod, "--labels", "pod=" + pod, "--ports", PORTS);
    }

    record Run(int exit, String out, String err) {
    }

    static Run main(List<String> argv) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(argv.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    /** {@code viaduct lab ARGS --name <lab>}; must succeed. */
    static void lab(String... args) {
        List<String> argv = new ArrayList<>(List.of("lab"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--name", f.lab.spec().name()));
        Run r = main(argv);
        assertThat(r.exit()).as("viaduct %s: %s", argv, r.err()).isZero();
    }

    static Run ctl(String... args) {
        List<String> argv = new ArrayList<>(List.of("ctl"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--etcd", f.lab.spec().etcdEndpoint()));
        return main(argv);
    }

    /** {@code viaduct lab probe}: true when connected (exit 0), false when blocked (exit 1). */
    static boolean probe(String from, String to, String port) {
        List<String> argv = new ArrayList<>(List.of("lab", "probe", "--name", f.lab.spec().name(), "--from", from,
                to.contains("/") ? "--to" : "--to-ip", to, "--port", port, "--timeout", "1s"));
        Run r = main(argv);
        assertThat(r.exit()).as("probe %s -> %s %s: %s", from, to, port, r.err()).isIn(0, 1);
        return r.exit() == 0;
    }

    static void expect(String from, String to, String port, boolean connected) {
        Poll.until(from + " -> " + to + " " + port + (connected ? " connects" : " is blocked"), EFFECT,
                () -> probe(from, to, port) == connected);
    }

    static void apply(String yaml) throws IOException {
        Path file = Files.createTempFile(dir, "policy", ".yaml");
        Files.writeString(file, yaml);
        Run r = ctl("policy", "apply", "-f", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
    }

    static String policy(String ns, String name, String spec) {
        return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: " + name + "\n  namespace: " + ns
                + "\nspec:\n" + spec.indent(2);
    }

    static String ipOf(String ns, String pod) {
        return f.ipam.handles().stream().filter(h -> ns.equals(h.attributes().get("podNamespace")) && pod.equals(h.attributes().get("pod")))
                .map(Handle::addresses).flatMap(List::stream).filter(a -> a instanceof java.net.Inet4Address).findFirst()
                .orElseThrow().getHostAddress();
    }

    @Test
    @Order(1)
    void withoutPoliciesEveryPodReachesEveryPod() {
        Run m = main(List.of("lab", "check", "--matrix", "--port", "80/tcp", "--name", f.lab.spec().name()));
        assertThat(m.exit()).isZero();
        expect("x/b", "x/a", "80/tcp", true);
        expect("y/d", "x/a", "80/udp", true);
        expect("x/c", "x/a", "81/tcp", true);
    }

    @Test
    @Order(2)
    void defaultDenyIngressBlocksSameNodeAndCrossNodeButNotEgress() throws IOException {
        apply(policy("x", "deny-ingress", "podSelector: {}\npolicyTypes: [Ingress]"));
        expect("y/d", "x/a", "80/tcp", false);
        expect("x/c", "x/a", "80/tcp", false);
        expect("y/d", "x/a", "80/udp", false);
        expect("x/a", "y/d", "80/tcp", true);
        Run e = ctl("explain", "--from", "y/d", "--to", "x/a", "--port", "80/tcp");
        assertThat(e.exit()).as(e.out() + e.err()).isEqualTo(1);
        assertThat(e.out()).contains("BLOCKED").contains("x/deny-ingress").contains("no rule allows it");
    }

    @Test
    @Order(3)
    void defaultDenyEgressBlocksOutgoingOnly() throws IOException {
        apply(policy("x", "deny-egress", "podSelector: {}\npolicyTypes: [Egress]"));
        expect("x/a", "y/d", "80/tcp", false);
        expect("x/a", "x/c", "80/udp", false);
        expect("y/d", "x/a", "80/tcp", true);
    }

    @Test
    @Order(4)
    void allowWithinNamespace() throws IOException {
        apply(policy("x", "same-ns", "podSelector: {}\ningress:\n- from:\n  - podSelector: {}"));
        expect("x/c", "x/a", "80/tcp", true);
        expect("x/b", "x/a", "80/tcp", true);
        expect("y/d", "x/a", "80/tcp", false);
        expect("z/e", "x/b", "80/tcp", false);
        Run e = ctl("explain", "--from", "x/b", "--to", "x/a", "--port", "80/tcp");
        assertThat(e.exit()).isZero();
        assertThat(e.out()).contains("ALLOWED").contains("allowed by x/same-ns ingress[0]");
    }

    @Test
    @Order(5)
    void namespaceSelector() throws IOException {
        apply(policy("x", "from-y", "podSelector: {matchLabels: {pod: a}}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {ns: y}}"));
        expect("y/d", "x/a", "80/tcp", true);
        expect("y/f", "x/a", "80/tcp", true);
        expect("z/e", "x/a", "80/tcp", false);
        expect("x/b", "x/a", "80/tcp", false);
        expect("z/e", "x/b", "80/tcp", true);
    }

    @Test
    @Order(6)
    void podAndNamespaceSelectorInOnePeerIsAndInTwoPeersIsOr() throws IOException {
        apply(policy("x", "and", "podSelector: {matchLabels: {pod: a}}\ningress:\n- from:\n"
                + "  - namespaceSelector: {matchLabels: {ns: y}}\n    podSelector: {matchLabels: {pod: d}}"));
        expect("y/d", "x/a", "80/tcp", true);
        expect("y/f", "x/a", "80/tcp", false);
        expect("x/b", "x/a", "80/tcp", false);
        apply(policy("x", "and", "podSelector: {matchLabels: {pod: a}}\ningress:\n- from:\n"
                + "  - namespaceSelector: {matchLabels: {ns: y}}\n  - podSelector: {matchLabels: {pod: b}}"));
        expect("y/f", "x/a", "80/tcp", true);
        expect("x/b", "x/a", "80/tcp", true);
        expect("y/d", "x/a", "80/tcp", true);
        expect("z/e", "x/a", "80/tcp", false);
    }

    @Test
    @Order(7)
    void ipBlockWithExcept() throws IOException {
        String cidr = f.lab.spec().podCidr();
        apply(policy("x", "block", "podSelector: {matchLabels: {pod: a}}\ningress:\n- from:\n  - ipBlock:\n      cidr: " + cidr
                + "\n      except: [" + ipOf("y", "d") + "/32]"));
        expect("z/e", "x/a", "80/tcp", true);
        expect("y/d", "x/a", "80/tcp", false);
        apply(policy("x", "block", "podSelector: {matchLabels: {pod: c}}\npolicyTypes: [Egress]\negress:\n- to:\n  - ipBlock:\n"
                + "      cidr: " + ipOf("y", "d") + "/32"));
        expect("x/c", ipOf("y", "d"), "80/tcp", true);
        expect("x/c", ipOf("z", "e"), "80/tcp", false);
    }

    @Test
    @Order(8)
    void namedPortsAndEndPort() throws IOException {
        apply(policy("x", "named", "podSelector: {matchLabels: {pod: a}}\ningress:\n- ports:\n  - port: serve-81-tcp\n"
                + "  - port: serve-80-udp\n    protocol: UDP"));
        expect("y/d", "x/a", "81/tcp", true);
        expect("y/d", "x/a", "80/udp", true);
        expect("y/d", "x/a", "80/tcp", false);
        expect("y/d", "x/a", "81/udp", false);
        apply(policy("x", "named", "podSelector: {matchLabels: {pod: a}}\ningress:\n- ports:\n  - port: 81\n    endPort: 90\n"
                + "    protocol: UDP"));
        expect("x/c", "x/a", "81/udp", true);
        expect("x/c", "x/a", "80/udp", false);
        expect("x/c", "x/a", "81/tcp", false);
    }

    @Test
    @Order(9)
    void severalPoliciesAllowTheUnionOfTheirRules() throws IOException {
        apply(policy("x", "from-b", "podSelector: {matchLabels: {pod: a}}\ningress:\n- from:\n  - podSelector: {matchLabels: {pod: b}}")
                + "---\n" + policy("x", "from-z", "podSelector: {matchLabels: {pod: a}}\ningress:\n- from:\n"
                + "  - namespaceSelector: {matchLabels: {ns: z}}"));
        expect("x/b", "x/a", "80/tcp", true);
        expect("z/e", "x/a", "80/tcp", true);
        expect("y/d", "x/a", "80/tcp", false);
    }

    @Test
    @Order(10)
    void egressToADnsLikeUdpPortOnly() throws IOException {
        apply(policy("x", "dns-only", "podSelector: {matchLabels: {pod: a}}\npolicyTypes: [Egress]\negress:\n- ports:\n"
                + "  - port: 53\n    protocol: UDP"));
        expect("x/a", "y/d", "53/udp", true);
        expect("x/a", "x/c", "53/udp", true);
        expect("x/a", "y/d", "80/udp", false);
        expect("x/a", "y/d", "80/tcp", false);
    }

    @Test
    @Order(11)
    void policyUpdateAndDeleteTakeEffect() throws IOException {
        apply(policy("y", "p", "podSelector: {}\npolicyTypes: [Ingress]"));
        expect("x/a", "y/d", "80/tcp", false);
        apply(policy("y", "p", "podSelector: {}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {ns: x}}"));
        expect("x/a", "y/d", "80/tcp", true);
        expect("z/e", "y/d", "80/tcp", false);
        Run show = ctl("policy", "show", "y/p");
        assertThat(show.exit()).as(show.err()).isZero();
        assertThat(show.out()).contains("\"namespaceSelector\"").contains("\"ns\" : \"x\"");
        Run d = ctl("policy", "delete", "y/p");
        assertThat(d.exit()).as(d.err()).isZero();
        expect("z/e", "y/d", "80/tcp", true);
        assertThat(ctl("policy", "delete", "y/p").exit()).as("a second delete finds nothing").isEqualTo(1);
        assertThat(ctl("policy", "show", "y/p").exit()).isEqualTo(1);
    }

    @Test
    @Order(12)
    void podAndNamespaceLabelChangesTakeEffect() throws IOException {
        apply(policy("x", "labels", "podSelector: {matchLabels: {pod: a}}\ningress:\n- from:\n"
                + "  - podSelector: {matchLabels: {role: client}}\n    namespaceSelector: {}\n"
                + "  - namespaceSelector: {matchLabels: {team: blue}}"));
        expect("y/d", "x/a", "80/tcp", false);
        lab("pod", "label", "--namespace", "y", "--pod", "d", "role=client");
        expect("y/d", "x/a", "80/tcp", true);
        lab("pod", "label", "--namespace", "y", "--pod", "d", "role-");
        expect("y/d", "x/a", "80/tcp", false);
        expect("z/e", "x/a", "80/tcp", false);
        lab("ns", "label", "z", "team=blue");
        expect("z/e", "x/a", "80/tcp", true);
        lab("ns", "label", "z", "team-");
        expect("z/e", "x/a", "80/tcp", false);
    }

    @Test
    @Order(13)
    void aPodCreatedAfterThePolicyIsCoveredFromItsFirstPacket() throws Exception {
        apply(policy("x", "isolate-g", "podSelector: {matchLabels: {pod: g}}\npolicyTypes: [Ingress, Egress]"));
        addPod("n3", "x", "g");
        // no polling: the first connection either way is already blocked
        assertThat(probe("x/g", "y/d", "80/tcp")).isFalse();
        assertThat(probe("y/f", "x/g", "80/udp")).as("same node").isFalse();
        assertThat(probe("x/b", "x/g", "80/tcp")).isFalse();
        Run d = ctl("policy", "delete", "x/isolate-g");
        assertThat(d.exit()).isZero();
        expect("x/g", "y/d", "80/tcp", true);
        expect("y/f", "x/g", "80/udp", true);
    }

    @Test
    @Order(14)
    void droppedPacketsAreCountedPerPolicyAndDirection() throws Exception {
        apply(policy("x", "counted", "podSelector: {matchLabels: {pod: a}}\npolicyTypes: [Ingress]"));
        expect("y/d", "x/a", "80/tcp", false);
        Poll.until("n1 counts the drops of x/counted", EFFECT, () -> {
            try {
                return f.metric("n1", "viaduct_policy_dropped_packets_total{direction=\"ingress\",namespace=\"x\",policy=\"counted\"}") > 0;
            } catch (IOException | InterruptedException e) {
                return false;
            }
        });
        assertThat(f.metric("n1", "viaduct_policy_rules")).isPositive();
        assertThat(ctl("policy", "list").out()).contains("counted");
    }

    @Test
    @Order(15)
    void policyStaysEnforcedWhileTheAgentIsDownAndAfterItsRestart() throws Exception {
        apply(policy("x", "closed", "podSelector: {matchLabels: {pod: a}}\npolicyTypes: [Ingress]"));
        expect("y/d", "x/a", "80/tcp", false);
        // the lab's state file as the CLI commands left it (f.lab's copy predates the pods)
        Lab lab = Lab.open(f.lab.spec().name(), new PrintStream(System.out, true));
        lab.stopAgent("n1", false);
        try {
            assertThat(probe("y/d", "x/a", "80/tcp")).as("fail closed: the table outlives the agent").isFalse();
            assertThat(probe("x/c", "x/a", "80/tcp")).isFalse();
        } finally {
            lab.startAgent("n1");
            lab.awaitAgent("n1", Duration.ofSeconds(60));
        }
        assertThat(probe("y/d", "x/a", "80/tcp")).as("reconciled, not flushed, on start").isFalse();
        Run d = ctl("policy", "delete", "x/closed");
        assertThat(d.exit()).isZero();
        expect("y/d", "x/a", "80/tcp", true);
    }

    @Test
    @Order(16)
    void badPolicyInputChangesNothingAndNamesTheField() throws IOException {
        Path file = Files.createTempFile(dir, "bad", ".yaml");
        Files.writeString(file, policy("x", "good", "podSelector: {}") + "---\n"
                + policy("x", "bad", "podSelector: {}\ningress:\n- ports:\n  - port: 80\n    endPort: 79"));
        Run r = ctl("policy", "apply", "-f", file.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("spec.ingress[0].ports[0].endPort");
        assertThat(f.store.list(Keys.defaults().policies()).kvs()).as("nothing written").isEmpty();
    }
}
