package dev.viaduct.agent.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ipam.Handle;
import dev.viaduct.policy.api.StoreRecords;
import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.sys.net.IpAddresses;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyInputsTest {
    private static final Keys KEYS = Keys.defaults();

    private static KeyValue kv(String key, String json) {
        return new KeyValue(key, json.getBytes(StandardCharsets.UTF_8), 1, 1, 1, 0);
    }

    @Test
    void podsAreJoinedToTheirAddressesThroughIpamHandles() {
        PolicyInputs in = new PolicyInputs(KEYS);
        in.put(PolicyInputs.Kind.POD, kv(KEYS.pod("prod", "web"), StoreRecords.encodePod(new StoreRecords.PodRecord(
                Map.of("role", "web"), "n1", List.of(new ContainerPort("http", 8080, Protocol.TCP))))));
        in.put(PolicyInputs.Kind.POD, kv(KEYS.pod("prod", "no-ip"), StoreRecords.encodePod(new StoreRecords.PodRecord(
                Map.of(), "n1", List.of()))));
        in.putHandle(new Handle("k8s.c1.eth0", "n1", List.of(IpAddresses.parse("10.244.1.3")),
                Map.of("podNamespace", "prod", "pod", "web", "hostVeth", "vdc0123456789a"), Instant.EPOCH));
        in.putHandle(new Handle("k8s.c2.eth0", "n2", List.of(IpAddresses.parse("10.244.2.3")),
                Map.of("podNamespace", "prod", "pod", "unrecorded"), Instant.EPOCH));
        in.putHandle(new Handle("vxlan.n1", "n1", List.of(IpAddresses.parse("10.244.1.0")), Map.of(), Instant.EPOCH));

        Cluster c = in.cluster(List.of());
        assertThat(c.pods()).extracting(Pod::id).containsExactly("prod/web", "prod/unrecorded");
        Pod web = c.pods().getFirst();
        assertThat(web.labels()).containsEntry("role", "web");
        assertThat(web.ips()).containsExactly(IpAddresses.parse("10.244.1.3"));
        assertThat(web.hostVeth()).isEqualTo("vdc0123456789a");
        assertThat(web.ports()).containsExactly(new ContainerPort("http", 8080, Protocol.TCP));
        Pod unrecorded = c.pods().get(1);
        assertThat(unrecorded.labels()).isEmpty();
        assertThat(unrecorded.node()).isEqualTo("n2");
        assertThat(unrecorded.hostVeth()).startsWith("vdc");
    }

    @Test
    void aRecordThatDoesNotDecodeIsSkippedAndReportedAndItsOldValueDropped() {
        PolicyInputs in = new PolicyInputs(KEYS);
        String key = KEYS.policy("prod", "p");
        in.put(PolicyInputs.Kind.POLICY, kv(key, """
                {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p","namespace":"prod"},
                 "spec":{"podSelector":{}}}"""));
        assertThat(in.policyCount()).isEqualTo(1);
        in.put(PolicyInputs.Kind.POLICY, kv(key, """
                {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p","namespace":"prod"},
                 "spec":{"podSelector":{},"ingress":[{"ports":[{"port":80,"endPort":79}]}]}}"""));
        assertThat(in.policyCount()).isZero();
        assertThat(in.problems()).containsOnlyKeys(key);
        assertThat(in.problems().get(key)).contains("spec.ingress[0].ports[0].endPort");
        in.put(PolicyInputs.Kind.POLICY, kv(KEYS.policy("dev", "p"), """
                {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p","namespace":"prod"},
                 "spec":{"podSelector":{}}}"""));
        assertThat(in.problems().get(KEYS.policy("dev", "p"))).contains("the key says dev/p");
        in.remove(PolicyInputs.Kind.POLICY, key);
        assertThat(in.problems()).doesNotContainKey(key);
    }
}
