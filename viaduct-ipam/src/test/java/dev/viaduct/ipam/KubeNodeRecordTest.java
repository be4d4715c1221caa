package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The kube node record's JSON: deterministic, round-trips, and both deletion marks are read. */
class KubeNodeRecordTest {
    final Keys keys = Keys.defaults();

    KeyValue kv(String name, String json) {
        return new KeyValue(keys.kubeNode(name), json.getBytes(StandardCharsets.UTF_8), 1, 1, 1, 0);
    }

    @Test
    void encodesSortedLabelsAndTheDeletionMarkOnlyWhenSetAndDecodesItBack() {
        KubeNodeRecord r = new KubeNodeRecord("n1", Map.of("zone", "a", "rack", "r1"), false);
        assertThat(new String(r.encode(), StandardCharsets.UTF_8)).isEqualTo("{\"name\":\"n1\",\"labels\":{\"rack\":\"r1\",\"zone\":\"a\"}}");
        assertThat(new String(r.asDeleted().encode(), StandardCharsets.UTF_8)).endsWith(",\"deleted\":true}");
        assertThat(KubeNodeRecord.decode(keys, kv("n1", new String(r.asDeleted().encode(), StandardCharsets.UTF_8)))).isEqualTo(r.asDeleted());
    }

    @Test
    void aDeletionTimestampCountsAsDeletedAndAMissingNameComesFromTheKey() {
        KubeNodeRecord r = KubeNodeRecord.decode(keys, kv("n2", "{\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"}"));
        assertThat(r).isEqualTo(new KubeNodeRecord("n2", Map.of(), true));
    }

    @Test
    void aLabelThatIsNotAStringIsCorruptNamingTheLabel() {
        assertThatThrownBy(() -> KubeNodeRecord.decode(keys, kv("n1", "{\"labels\":{\"zone\":1}}")))
                .isInstanceOf(StoreException.class).hasMessageContaining("labels.zone");
    }
}
