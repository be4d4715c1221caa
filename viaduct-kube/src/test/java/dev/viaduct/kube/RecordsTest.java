package dev.viaduct.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.policy.api.StoreRecords;
import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.Protocol;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** API objects to store records, through the encoders agents decode with. */
class RecordsTest {
    static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void aNodeKeepsItsNameAndLabelsAndANamespaceItsLabels() {
        var n = Records.node(new NodeBuilder().withNewMetadata().withName("n1").addToLabels("zone", "a").endMetadata().build());
        assertThat(n.labels()).containsExactlyEntriesOf(Map.of("zone", "a"));
        assertThat(n.deleted()).isFalse();
        assertThat(s(Records.namespace(new NamespaceBuilder().withNewMetadata().withName("x").endMetadata().build()))).isEqualTo("{\"labels\":{}}");
    }

    @Test
    void aPodKeepsItsLabelsNodeAndNamedPortsOnly() throws Exception {
        var pod = new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").addToLabels("app", "web").endMetadata()
                .withNewSpec().withNodeName("n1")
                .addNewContainer().withName("a").withPorts(new ContainerPortBuilder().withName("http").withContainerPort(80).build(),
                        new ContainerPortBuilder().withContainerPort(81).build()).endContainer()
                .addNewContainer().withName("b").withPorts(new ContainerPortBuilder().withName("q").withContainerPort(5000)
                        .withProtocol("SCTP").build()).endContainer()
                .endSpec().build();
        var r = StoreRecords.decodePod(s(Records.pod(pod).orElseThrow()));
        assertThat(r.node()).isEqualTo("n1");
        assertThat(r.labels()).containsEntry("app", "web");
        assertThat(r.ports()).containsExactly(new ContainerPort("http", 80, Protocol.TCP), new ContainerPort("q", 5000, Protocol.SCTP));
    }

    @Test
    void unscheduledAndHostNetworkPodsHaveNoRecord() {
        assertThat(Records.pod(new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec().endSpec().build())).isEmpty();
        assertThat(Records.pod(new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec().withNodeName("n1")
                .withHostNetwork(true).endSpec().build())).isEmpty();
    }

    NetworkPolicy policy(String yaml) {
        return new KubernetesSerialization().unmarshal(yaml, NetworkPolicy.class);
    }

    @Test
    void aPolicyWithServerFieldsIsStoredAsTheReaderReadsItAndAnInvalidOneNamesTheField() {
        NetworkPolicy p = policy("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny, namespace: shop, uid: 5d1c, resourceVersion: "42", generation: 1,
                  creationTimestamp: "2026-01-01T00:00:00Z", managedFields: [{manager: kubectl, operation: Update}]}
                spec:
                  podSelector: {}
                  policyTypes: [Ingress]
                """);
        assertThat(Records.policy(p)).isInstanceOfSatisfying(Records.PolicyRecord.Valid.class, v -> assertThat(s(v.json()))
                .isEqualTo("{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"deny\",\"namespace\":\"shop\"},"
                        + "\"spec\":{\"podSelector\":{},\"policyTypes\":[\"Ingress\"]}}"));
        NetworkPolicy bad = policy("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: bad, namespace: shop}
                spec:
                  podSelector: {}
                  ingress: [{from: [{ipBlock: {cidr: 10.0.0.1/8}}]}]
                """);
        assertThat(Records.policy(bad)).isInstanceOfSatisfying(Records.PolicyRecord.Invalid.class,
                i -> assertThat(i.why()).contains("spec.ingress[0].from[0].ipBlock.cidr"));
    }
}
