package dev.viaduct.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.viaduct.policy.api.PolicyValidationException;
import dev.viaduct.policy.api.StoreRecords;
import dev.viaduct.store.Keys;
import dev.viaduct.store.memory.MemoryDatastore;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link PolicyStore#policies()} reads records without the policy module's mapper, and answers as it would. */
class PolicyStoreTest {
    private static final Map<String, String> RECORDS = new LinkedHashMap<>();

    static {
        RECORDS.put("default/web", "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"web\","
                + "\"namespace\":\"default\"},\"spec\":{\"podSelector\":{\"matchLabels\":{\"app\":\"web\"}},\"policyTypes\":[\"Ingress\"]}}");
        RECORDS.put("prod/db", "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"db\"},"
                + "\"spec\":{\"podSelector\":{},\"ingress\":[{\"from\":[{\"ipBlock\":{\"cidr\":\"10.0.0.0/8\",\"except\":[\"10.1.0.0/16\"]}}],"
                + "\"ports\":[{\"protocol\":\"TCP\",\"port\":5432}]}],\"egress\":[{}]}}");
        RECORDS.put("x/ports", "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"ports\","
                + "\"namespace\":\"x\"},\"spec\":{\"ingress\":[{\"ports\":[{\"port\":80,\"endPort\":79}]}]}}");
        RECORDS.put("x/text", "not json");
        RECORDS.put("x/trailing", "{\"apiVersion\":\"networking.k8s.io/v1\"} {}");
        RECORDS.put("x/array", "[1, 2]");
        RECORDS.put("x/empty", "");
    }

    @Test
    void policiesAreWhatTheRecordDecoderMakesOfEachRecord() {
        MemoryDatastore store = new MemoryDatastore();
        Keys keys = new Keys(Keys.DEFAULT_PREFIX);
        RECORDS.forEach((id, json) -> {
            String[] nsName = id.split("/");
            store.put(keys.policy(nsName[0], nsName[1]), json.getBytes(StandardCharsets.UTF_8));
        });

        PolicyStore.Policies read = new PolicyStore(store, keys).policies();

        List<Object> decoded = new java.util.ArrayList<>();
        Map<String, String> errors = new java.util.TreeMap<>();
        RECORDS.forEach((id, json) -> {
            String ns = id.substring(0, id.indexOf('/'));
            try {
                decoded.add(StoreRecords.decodePolicy(json, ns));
            } catch (PolicyValidationException e) {
                errors.put(keys.policy(ns, id.substring(id.indexOf('/') + 1)), e.getMessage());
            }
        });
        assertThat(read.policies()).hasSize(2).containsExactlyInAnyOrderElementsOf(decoded.stream()
                .map(dev.viaduct.policy.model.NetworkPolicy.class::cast).toList());
        assertThat(read.bad()).isEqualTo(errors).hasSize(5);
        assertThat(catchThrowableOfType(PolicyValidationException.class, () -> StoreRecords.decodePolicy("not json", "x")))
                .hasMessageContaining("(not JSON)");
    }
}
