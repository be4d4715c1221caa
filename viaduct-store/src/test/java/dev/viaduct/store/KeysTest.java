package dev.viaduct.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeysTest {
    private final Keys keys = Keys.defaults();

    @Test
    void policyRecordsLiveUnderTheirNamespace() {
        assertThat(keys.namespace("prod")).isEqualTo("/viaduct/v1/namespaces/prod");
        assertThat(keys.pod("prod", "web-0")).isEqualTo("/viaduct/v1/pods/prod/web-0");
        assertThat(keys.policy("prod", "deny-all")).isEqualTo("/viaduct/v1/policies/prod/deny-all");
        assertThat(keys.nameIn(keys.pods(), keys.pod("prod", "web-0"))).isEqualTo("prod/web-0");
        assertThat(keys.nameIn(keys.policies(), keys.policy("prod", "deny-all"))).isEqualTo("prod/deny-all");
        assertThat(keys.pod("prod", "a")).startsWith(keys.pods());
        assertThat(keys.namespaces()).isNotEqualTo(keys.pods());
    }

    @Test
    void aSlashInANameIsRefusedNamingTheField() {
        assertThatThrownBy(() -> keys.pod("prod/x", "a")).hasMessageContaining("namespace 'prod/x'");
        assertThatThrownBy(() -> keys.policy("prod", "")).hasMessageContaining("policy name must not be empty");
    }
}
