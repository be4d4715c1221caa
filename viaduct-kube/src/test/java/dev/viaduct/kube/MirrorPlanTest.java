package dev.viaduct.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.store.KubeNodeRecord;
import dev.viaduct.kube.MirrorPlan.NodeFate;
import dev.viaduct.kube.MirrorPlan.Step;
import dev.viaduct.kube.MirrorPlan.Stored;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pure rules "what to write given the API and the store". */
class MirrorPlanTest {
    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRecordEqualToTheApiIsLeftAloneAChangedOneIsRewrittenComparingItsRevisionAndAMissingOneCreated() {
        assertThat(MirrorPlan.step("k", Optional.of(b("x")), Optional.of(new Stored(b("x"), 7)))).isEmpty();
        assertThat(MirrorPlan.step("k", Optional.of(b("y")), Optional.of(new Stored(b("x"), 7))))
                .hasValueSatisfying(s -> assertThat(s).isInstanceOfSatisfying(Step.Put.class, p -> {
                    assertThat(p.expected()).isEqualTo(7);
                    assertThat(p.value()).isEqualTo(b("y"));
                }));
        assertThat(MirrorPlan.step("k", Optional.of(b("y")), Optional.empty())).hasValueSatisfying(s -> assertThat(s.expected()).isZero());
    }

    @Test
    void aRecordWhoseObjectIsGoneIsDeletedComparingItsRevisionAndNothingIsDoneForNeither() {
        assertThat(MirrorPlan.step("k", Optional.empty(), Optional.of(new Stored(b("x"), 9))))
                .contains(new Step.Delete("k", 9));
        assertThat(MirrorPlan.step("k", Optional.empty(), Optional.empty())).isEmpty();
    }

    @Test
    void aDiffCoversBothSidesInKeyOrder() {
        var steps = MirrorPlan.diff(Map.of("b", b("new"), "c", b("same")),
                Map.of("a", new Stored(b("old"), 1), "b", new Stored(b("old"), 2), "c", new Stored(b("same"), 3)));
        assertThat(steps).extracting(Step::key).containsExactly("a", "b");
        assertThat(steps.get(0)).isInstanceOf(Step.Delete.class);
        assertThat(steps.get(1)).isInstanceOf(Step.Put.class);
    }

    final KubeNodeRecord listed = new KubeNodeRecord(Map.of("zone", "b"), false);
    final KubeNodeRecord stored = new KubeNodeRecord(Map.of("zone", "a"), false);

    static KubeNodeRecord deleted(KubeNodeRecord r) {
        return new KubeNodeRecord(r.labels(), true);
    }

    @Test
    void aListedNodeKeepsARecordOfItsLabelsAndIsNeverReleased() {
        assertThat(MirrorPlan.node(Optional.of(listed), Optional.of(stored), false, true)).isEqualTo(new NodeFate(Optional.of(listed), false));
    }

    @Test
    void aDeletedNodeIpamStillNamesIsMarkedDeletedAndReleasedOnlyOnceItsAgentIsDown() {
        assertThat(MirrorPlan.node(Optional.empty(), Optional.of(stored), true, true))
                .isEqualTo(new NodeFate(Optional.of(deleted(stored)), false));
        assertThat(MirrorPlan.node(Optional.empty(), Optional.of(stored), false, true))
                .isEqualTo(new NodeFate(Optional.of(deleted(stored)), true));
    }

    @Test
    void aDeletedNodeNothingNamesLosesItsRecordAndOneWithoutARecordGetsNone() {
        assertThat(MirrorPlan.node(Optional.empty(), Optional.of(deleted(stored)), false, false)).isEqualTo(new NodeFate(Optional.empty(), false));
        assertThat(MirrorPlan.node(Optional.empty(), Optional.empty(), false, true)).isEqualTo(new NodeFate(Optional.empty(), false));
    }
}
