package dev.viaduct.agent.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.nat.NftCommand;
import dev.viaduct.agent.pod.DataplaneException;
import dev.viaduct.policy.api.StoreRecords;
import dev.viaduct.policy.compile.PolicyCompiler;
import dev.viaduct.policy.node.PolicyInputs;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The enforcer against a real kernel (a fresh network namespace): apply, delta, drift repair, fail closed. */
class PolicyEnforcerKernelTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String DENY = """
            {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"deny","namespace":"prod"},
             "spec":{"podSelector":{}}}""";
    private static final String ALLOW_WEB = """
            {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"allow-web","namespace":"prod"},
             "spec":{"podSelector":{"matchLabels":{"role":"db"}},"ingress":[{"from":[{"podSelector":{"matchLabels":{"role":"web"}}}]}]}}""";

    @RegisterExtension
    Netns netns = Netns.perTest();

    private static PolicyInputs.Endpoint endpoint(String id, String node, String ns, String pod, String ip) {
        return new PolicyInputs.Endpoint(id, ns, pod, node, "vdc" + id, List.of(IpAddresses.parse(ip)));
    }

    private PolicyEnforcer enforcer(String ns, Duration resync) {
        NftCommand nft = NftCommand.withArgv(List.of("ip", "netns", "exec", ns, "nft"));
        PolicyEnforcer e = new PolicyEnforcer(nft, "n1", () -> List.of(IpAddresses.parse("192.168.0.1")), resync);
        e.update(in -> {
            in.replace(PolicyInputs.Kind.NAMESPACE, Map.of("prod", StoreRecords.encodeNamespace(new StoreRecords.NamespaceRecord(Map.of()))));
            in.replace(PolicyInputs.Kind.POD, Map.of(
                    "prod/db", StoreRecords.encodePod(new StoreRecords.PodRecord(Map.of("role", "db"), "n1", List.of())),
                    "prod/web", StoreRecords.encodePod(new StoreRecords.PodRecord(Map.of("role", "web"), "n2", List.of()))));
            in.replace(PolicyInputs.Kind.POLICY, Map.of("prod/deny", DENY));
            in.replaceEndpoints(List.of(endpoint("h1", "n1", "prod", "db", "10.244.1.2"), endpoint("h2", "n2", "prod", "web", "10.244.2.2")));
        });
        for (PolicyInputs.Kind k : PolicyInputs.Kind.values()) {
            e.synced(k);
        }
        e.endpointsSynced();
        return e;
    }

    private String table(String ns) {
        return netns.execOk(ns, "nft", "list", "table", "inet", PolicyCompiler.TABLE);
    }

    @Test
    void appliesDeltasRepairsDriftAndLeavesTheTableOnClose() {
        String ns = netns.create("pol");
        netns.execOk(ns, "nft", "add", "table", "inet", "someone-else");
        try (PolicyEnforcer e = enforcer(ns, Duration.ofMillis(300))) {
            e.start();
            Poll.until("first apply", WAIT, () -> e.applies.get() == 1);
            assertThat(table(ns)).contains("vdch1").contains("drop");
            assertThat(e.fullApplies.get()).isEqualTo(1);
            assertThat(e.rules()).isPositive();

            int rulesBefore = e.rules();
            e.update(in -> in.put(PolicyInputs.Kind.POLICY, "prod/allow-web", ALLOW_WEB));
            // the pass is over (table read back) once the rule count it reports has changed
            Poll.until("policy added", WAIT, () -> e.rules() != rulesBefore);
            assertThat(table(ns)).contains("10.244.2.2");
            assertThat(e.fullApplies.get()).as("a policy added is a delta").isEqualTo(1);

            // each repair is complete (applied and read back) once the apply counter moves
            long applies = e.applies.get();
            netns.execOk(ns, "nft", "delete", "table", "inet", PolicyCompiler.TABLE);
            Poll.until("table restored", WAIT, () -> e.applies.get() > applies);
            assertThat(e.drifted.get()).isEqualTo(1);
            assertThat(table(ns)).contains("10.244.2.2");

            long applies2 = e.applies.get();
            netns.execOk(ns, "nft", "flush", "chain", "inet", PolicyCompiler.TABLE, "ingress");
            Poll.until("edited chain restored", WAIT, () -> e.applies.get() > applies2);
            assertThat(table(ns)).contains("oifname vmap @" + PolicyCompiler.INGRESS_MAP);
            assertThat(e.drifted.get()).isEqualTo(2);
            assertThat(e.problem()).isEmpty();
        }
        String left = table(ns);
        assertThat(left).as("close leaves the table: fail closed").contains("vdch1");
        assertThat(netns.execOk(ns, "nft", "list", "tables")).contains("someone-else");
        // a restarted agent replaces the table in one transaction and ends where the old one was
        try (PolicyEnforcer again = enforcer(ns, Duration.ZERO)) {
            again.update(in -> in.put(PolicyInputs.Kind.POLICY, "prod/allow-web", ALLOW_WEB));
            again.start();
            Poll.until("restart apply", WAIT, () -> again.applies.get() == 1);
            assertThat(table(ns)).isEqualTo(left);
        }
    }

    @Test
    void aNewPodIsInTheKernelWhenAwaitEnforcedReturns() throws DataplaneException {
        String ns = netns.create("pol");
        try (PolicyEnforcer e = enforcer(ns, Duration.ZERO)) {
            e.start();
            e.awaitEnforced(endpoint("h3", "n1", "prod", "new", "10.244.1.9"), WAIT);
            assertThat(table(ns)).contains("vdch3");
            // with no pass running any more: a pod no policy selects and no peer set holds changes nothing in the
            // kernel, so it does not wait; one the deny policy selects does
            e.close();
            e.awaitEnforced(endpoint("h4", "n1", "dev", "free", "10.244.1.10"), Duration.ofMillis(500));
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> e.awaitEnforced(endpoint("h5", "n1", "prod", "isolated", "10.244.1.11"), Duration.ofMillis(500)))
                    .isInstanceOf(DataplaneException.class);
        }
    }

    @Test
    void anUnusableNftFailsTheWaitInsteadOfStartingThePodUnguarded() {
        PolicyEnforcer e = new PolicyEnforcer(NftCommand.withArgv(List.of("/nonexistent/nft")), "n1", List::of, Duration.ZERO);
        for (PolicyInputs.Kind k : PolicyInputs.Kind.values()) {
            e.synced(k);
        }
        e.endpointsSynced();
        try (e) {
            e.start();
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> e.awaitEnforced(endpoint("h3", "n1", "prod", "new", "10.244.1.9"), Duration.ofMillis(1500)))
                    .isInstanceOf(DataplaneException.class).hasMessageContaining("not in the kernel").hasMessageContaining("/nonexistent/nft");
        }
    }
}
