package dev.viaduct.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.Keys;
import dev.viaduct.store.KubeNodeRecord;
import dev.viaduct.store.memory.MemoryDatastore;
import dev.viaduct.testsupport.Poll;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KubeNodeLabelsTest {
    private static final JsonCodec<NodeRecord> NODE = JsonCodec.of(NodeRecord.class);
    private final MemoryDatastore store = new MemoryDatastore();
    private final Keys keys = new Keys("/viaduct/v1");

    @Test
    void theConfigWinsOverTheKubernetesNodeOnAKeyBothSet() {
        assertThat(KubeNodeLabels.merge(Map.of("rack", "r1", "zone", "a"), Map.of("rack", "override")))
                .isEqualTo(Map.of("rack", "override", "zone", "a"));
    }

    @Test
    void theStoredNodeRecordFollowsTheKubernetesNodesLabels() {
        store.put(keys.kubeNode("n1"), KubeNodeRecord.CODEC.encode(new KubeNodeRecord(Map.of("rack", "r1"), false)));
        store.put(keys.kubeNode("n10"), KubeNodeRecord.CODEC.encode(new KubeNodeRecord(Map.of("rack", "other"), false)));
        try (NodeRegistration reg = new NodeRegistration(store, keys, Duration.ofSeconds(15))) {
            reg.register(new NodeRecord("n1", List.of("10.0.0.1/24"), "eth0", Map.of("pinned", "yes"), "host-gw", 0, null, "test"));
            try (KubeNodeLabels labels = KubeNodeLabels.start(store, keys, "n1", Map.of("pinned", "yes"), reg)) {
                assertThat(stored("n1").labels()).as("applied before start returns, not n10's")
                        .isEqualTo(Map.of("rack", "r1", "pinned", "yes"));

                store.put(keys.kubeNode("n1"), KubeNodeRecord.CODEC.encode(new KubeNodeRecord(Map.of("rack", "r2", "gpu", "true"), false)));
                Poll.until("kubectl label node reaches the node record", Duration.ofSeconds(5), () -> stored("n1").labels(),
                        l -> l.equals(Map.of("rack", "r2", "gpu", "true", "pinned", "yes")));

                store.put(keys.kubeNode("n1"), "not json".getBytes(StandardCharsets.UTF_8));
                store.put(keys.kubeNode("n10"), KubeNodeRecord.CODEC.encode(new KubeNodeRecord(Map.of(), false)));
                store.delete(keys.kubeNode("n1"));
                Poll.until("the Node's labels go with its record; the configured ones stay", Duration.ofSeconds(5),
                        () -> stored("n1").labels(), l -> l.equals(Map.of("pinned", "yes")));
            }
        }
    }

    private NodeRecord stored(String node) {
        return NODE.decode(store.get(keys.node(node)).orElseThrow());
    }
}
