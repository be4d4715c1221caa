package dev.viaduct.policy.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.policy.model.LabelSelector.Operator;
import dev.viaduct.policy.model.LabelSelector.Requirement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelSelectorTest {
    private static LabelSelector expr(String key, Operator op, String... values) {
        return new LabelSelector(Map.of(), List.of(new Requirement(key, op, List.of(values))));
    }

    @Test
    void operatorsFollowLabelsSelectorSemantics() {
        Map<String, String> web = Map.of("app", "web");
        Map<String, String> none = Map.of();
        assertThat(expr("app", Operator.In, "web", "api").matches(web)).isTrue();
        assertThat(expr("app", Operator.In, "api").matches(web)).isFalse();
        assertThat(expr("app", Operator.In, "web").matches(none)).isFalse();
        assertThat(expr("app", Operator.NotIn, "api").matches(web)).isTrue();
        assertThat(expr("app", Operator.NotIn, "web").matches(web)).isFalse();
        assertThat(expr("app", Operator.NotIn, "web").matches(none)).as("NotIn matches objects without the key").isTrue();
        assertThat(expr("app", Operator.Exists).matches(web)).isTrue();
        assertThat(expr("app", Operator.Exists).matches(none)).isFalse();
        assertThat(expr("app", Operator.DoesNotExist).matches(none)).isTrue();
        assertThat(expr("app", Operator.DoesNotExist).matches(web)).isFalse();
    }

    @Test
    void emptySelectsEverythingAndRequirementsAreAnded() {
        assertThat(LabelSelector.ALL.matches(Map.of())).isTrue();
        LabelSelector both = new LabelSelector(Map.of("app", "web"), List.of(new Requirement("tier", Operator.Exists, List.of())));
        assertThat(both.matches(Map.of("app", "web", "tier", "x"))).isTrue();
        assertThat(both.matches(Map.of("app", "web"))).isFalse();
        assertThat(both.matches(Map.of("tier", "x"))).isFalse();
    }

    @Test
    void canonicalTextIgnoresOrder() {
        LabelSelector a = new LabelSelector(Map.of("x", "1", "y", "2"),
                List.of(new Requirement("k", Operator.In, List.of("b", "a")), new Requirement("j", Operator.Exists, List.of())));
        LabelSelector b = new LabelSelector(Map.of("y", "2", "x", "1"),
                List.of(new Requirement("j", Operator.Exists, List.of()), new Requirement("k", Operator.In, List.of("a", "b"))));
        assertThat(a.canonical()).isEqualTo(b.canonical());
        assertThat(a.canonical()).isNotEqualTo(LabelSelector.ALL.canonical());
    }

    @Test
    void namespacesCarryTheirNameLabel() {
        assertThat(new Namespace("prod", Map.of("team", "a")).labels())
                .containsEntry(Namespace.NAME_LABEL, "prod").containsEntry("team", "a");
    }
}
