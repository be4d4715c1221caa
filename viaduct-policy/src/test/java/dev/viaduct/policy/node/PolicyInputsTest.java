package dev.viaduct.policy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.policy.api.StoreRecords;
import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.sys.net.IpAddresses;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyInputsTest {
    private static final String DENY = """
            {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p","namespace":"prod"},
             "spec":{"podSelector":{}}}""";

    private static PolicyInputs.Endpoint endpoint(String id, String node, String ns, String pod, String veth, String ip) {
        return new PolicyInputs.Endpoint(id, ns, pod, node, veth, List.of(IpAddresses.parse(ip)));
    }

    @Test
    void podsAreJoinedToTheirAddressesThroughEndpoints() {
        PolicyInputs in = new PolicyInputs("n1");
        in.put(PolicyInputs.Kind.POD, "prod/web", StoreRecords.encodePod(new StoreRecords.PodRecord(
                Map.of("role", "web"), "n1", List.of(new ContainerPort("http", 8080, Protocol.TCP)))));
        in.put(PolicyInputs.Kind.POD, "prod/no-ip", StoreRecords.encodePod(new StoreRecords.PodRecord(Map.of(), "n1", List.of())));
        in.putEndpoint(endpoint("k8s.c1.eth0", "n1", "prod", "web", "vdc0123456789a", "10.244.1.3"));
        in.putEndpoint(endpoint("k8s.c2.eth0", "n2", "prod", "unrecorded", "vdc0123456789b", "10.244.2.3"));

        Map<String, Pod> pods = in.compiler().pods();
        assertThat(pods).containsOnlyKeys("k8s.c1.eth0", "k8s.c2.eth0");
        Pod web = pods.get("k8s.c1.eth0");
        assertThat(web.id()).isEqualTo("prod/web");
        assertThat(web.labels()).containsEntry("role", "web");
        assertThat(web.ips()).containsExactly(IpAddresses.parse("10.244.1.3"));
        assertThat(web.hostVeth()).isEqualTo("vdc0123456789a");
        assertThat(web.ports()).containsExactly(new ContainerPort("http", 8080, Protocol.TCP));
        Pod unrecorded = pods.get("k8s.c2.eth0");
        assertThat(unrecorded.labels()).isEmpty();
        assertThat(unrecorded.node()).isEqualTo("n2");

        // the pod record changing relabels its endpoints; removing it leaves them unlabelled
        in.put(PolicyInputs.Kind.POD, "prod/web", StoreRecords.encodePod(new StoreRecords.PodRecord(Map.of("role", "api"), "n1", List.of())));
        assertThat(in.compiler().pods().get("k8s.c1.eth0").labels()).containsExactly(Map.entry("role", "api"));
        in.remove(PolicyInputs.Kind.POD, "prod/web");
        assertThat(in.compiler().pods().get("k8s.c1.eth0").labels()).isEmpty();
        in.replaceEndpoints(List.of(endpoint("k8s.c2.eth0", "n2", "prod", "unrecorded", "vdc0123456789b", "10.244.2.4")));
        assertThat(in.compiler().pods()).containsOnlyKeys("k8s.c2.eth0");
        assertThat(in.compiler().pods().get("k8s.c2.eth0").ips()).containsExactly(IpAddresses.parse("10.244.2.4"));
    }

    @Test
    void aLocalEndpointIsolatedByAPolicyGetsItsChainsAndLosesThemWhenTheEndpointGoes() {
        PolicyInputs in = new PolicyInputs("n1");
        in.put(PolicyInputs.Kind.POLICY, "prod/p", DENY);
        in.putEndpoint(endpoint("k8s.c1.eth0", "n1", "prod", "web", "vdc0123456789a", "10.244.1.3"));
        assertThat(in.compiler().ruleset().chain("pod-in_vdc0123456789a")).isPresent();
        in.compiler().drain();
        assertThat(in.compiler().touched()).isFalse();
        in.putEndpoint(endpoint("k8s.c9.eth0", "n2", "dev", "other", "vdc0123456789c", "10.244.2.9"));
        assertThat(in.compiler().touched()).as("a pod no policy selects, in no peer set").isFalse();
        in.removeEndpoint("k8s.c1.eth0");
        assertThat(in.compiler().ruleset().chain("pod-in_vdc0123456789a")).isEmpty();
        assertThat(in.compiler().drain().deleteChains()).contains("pod-in_vdc0123456789a", "pol-in_prod_p");
    }

    @Test
    void aRecordThatDoesNotDecodeIsSkippedAndReportedAndItsOldValueDropped() {
        PolicyInputs in = new PolicyInputs("n1");
        in.put(PolicyInputs.Kind.POLICY, "prod/p", DENY);
        assertThat(in.compiler().policyCount()).isEqualTo(1);
        in.put(PolicyInputs.Kind.POLICY, "prod/p", """
                {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p","namespace":"prod"},
                 "spec":{"podSelector":{},"ingress":[{"ports":[{"port":80,"endPort":79}]}]}}""");
        assertThat(in.compiler().policyCount()).isZero();
        assertThat(in.problems()).containsOnlyKeys("policy prod/p");
        assertThat(in.problems().get("policy prod/p")).contains("spec.ingress[0].ports[0].endPort");
        in.put(PolicyInputs.Kind.POLICY, "dev/p", DENY);
        assertThat(in.problems().get("policy dev/p")).contains("the key says dev/p");
        in.put(PolicyInputs.Kind.POLICY, "no-slash", DENY);
        assertThat(in.problems().get("policy no-slash")).contains("<namespace>/<name>");
        in.remove(PolicyInputs.Kind.POLICY, "prod/p");
        assertThat(in.problems()).doesNotContainKey("policy prod/p");
        in.replace(PolicyInputs.Kind.POLICY, Map.of("prod/p", DENY));
        assertThat(in.problems()).isEmpty();
        assertThat(in.compiler().policyCount()).isEqualTo(1);
    }
}
