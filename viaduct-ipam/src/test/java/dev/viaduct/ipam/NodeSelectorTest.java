package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeSelectorTest {
    @Test
    void evaluatesTerms() {
        Map<String, String> n = Map.of("rack", "r1", "zone", "z");
        assertThat(NodeSelector.parse("all()").matches(n)).isTrue();
        assertThat(NodeSelector.parse("rack == 'r1' && has(zone)").matches(n)).isTrue();
        assertThat(NodeSelector.parse("rack != \"r1\"").matches(n)).isFalse();
        assertThat(NodeSelector.parse("rack in {'r2', 'r1'}").matches(n)).isTrue();
        assertThat(NodeSelector.parse("rack not in {'r1'}").matches(n)).isFalse();
        assertThat(NodeSelector.parse("!has(gpu)").matches(n)).isTrue();
        assertThat(NodeSelector.parse("gpu != 'x'").matches(n)).as("absent label differs").isTrue();
    }

    @Test
    void syntaxErrorsNamePosition() {
        assertThatThrownBy(() -> NodeSelector.parse("rack = 'r1'")).hasMessageContaining("at position 5");
        assertThatThrownBy(() -> NodeSelector.parse("rack == 'r1")).hasMessageContaining("unterminated quote");
        assertThatThrownBy(() -> NodeSelector.parse("has(a) &&")).hasMessageContaining("expected a label key");
    }
}
