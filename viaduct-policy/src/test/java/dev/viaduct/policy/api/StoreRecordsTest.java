package dev.viaduct.policy.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.policy.Samples;
import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Protocol;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoreRecordsTest {
    @Test
    void policiesRoundTripInTheApiForm() throws Exception {
        for (NetworkPolicy p : Samples.policies()) {
            String json = StoreRecords.encodePolicy(p);
            assertThat(json).startsWith("{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"" + p.name());
            assertThat(StoreRecords.decodePolicy(json, p.namespace())).isEqualTo(p);
            // re-encoding is byte for byte the same: records compare by text in the store
            assertThat(StoreRecords.encodePolicy(StoreRecords.decodePolicy(json, p.namespace()))).isEqualTo(json);
        }
    }

    @Test
    void anInvalidPolicyRecordNamesTheField() {
        String json = "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"p\",\"namespace\":\"x\"},"
                + "\"spec\":{\"ingress\":[{\"ports\":[{\"port\":80,\"endPort\":79}]}]}}";
        assertThatThrownBy(() -> StoreRecords.decodePolicy(json, "x"))
                .hasMessageContaining("spec.ingress[0].ports[0].endPort: Invalid value: 79: must be greater than or equal to `port`");
    }

    @Test
    void podsAndNamespacesRoundTrip() throws Exception {
        StoreRecords.PodRecord pod = new StoreRecords.PodRecord(Map.of("app", "web", "tier", "front"), "n1",
                List.of(new ContainerPort("http", 8080, Protocol.TCP), new ContainerPort("dns", 53, Protocol.UDP)));
        String json = StoreRecords.encodePod(pod);
        assertThat(json).isEqualTo("{\"labels\":{\"app\":\"web\",\"tier\":\"front\"},\"node\":\"n1\",\"ports\":["
                + "{\"name\":\"http\",\"containerPort\":8080,\"protocol\":\"TCP\"},{\"name\":\"dns\",\"containerPort\":53,\"protocol\":\"UDP\"}]}");
        assertThat(StoreRecords.decodePod(json)).isEqualTo(pod);
        StoreRecords.NamespaceRecord ns = new StoreRecords.NamespaceRecord(Map.of("team", "a"));
        assertThat(StoreRecords.decodeNamespace(StoreRecords.encodeNamespace(ns))).isEqualTo(ns);
        assertThat(StoreRecords.decodePod("{\"node\":\"n2\"}")).isEqualTo(new StoreRecords.PodRecord(Map.of(), "n2", List.of()));
    }

    @Test
    void podRecordErrorsNameEveryField() {
        assertThatThrownBy(() -> StoreRecords.decodePod(
                "{\"labels\":{\"a\":\"b c\"},\"ports\":[{\"name\":\"HTTP\",\"containerPort\":0,\"protocol\":\"ICMP\"}],\"nod\":1}"))
                .isInstanceOf(StoreRecords.RecordException.class)
                .satisfies(e -> assertThat(((StoreRecords.RecordException) e).errors()).extracting(FieldError::path)
                        .containsExactly("nod", "labels", "node", "ports[0].name", "ports[0].name", "ports[0].containerPort", "ports[0].protocol"));
        assertThatThrownBy(() -> StoreRecords.decodeNamespace("{\"labels\":[]}"))
                .hasMessage("namespace record: labels: Invalid value: []: must be an object");
        assertThatThrownBy(() -> StoreRecords.decodeNamespace("nope")).isInstanceOf(StoreRecords.RecordException.class);
    }
}
