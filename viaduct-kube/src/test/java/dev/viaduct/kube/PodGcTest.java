package dev.viaduct.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ipam.Handle;
import dev.viaduct.sys.net.IpAddresses;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure rule "which pod addresses have leaked". */
class PodGcTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Duration GRACE = Duration.ofMinutes(5);

    static Handle handle(String id, Map<String, String> attributes, Instant assigned) {
        return new Handle(id, "n1", List.of(IpAddresses.parse("10.0.0.1")), attributes, assigned);
    }

    static Handle pod(String id, String ns, String name) {
        return handle(id, Map.of("podNamespace", ns, "pod", name), T0.minus(Duration.ofHours(1)));
    }

    @Test
    void aMissingPodsHandleIsFirstSeenThenReleasedOnceTheGracePeriodHasPassed() {
        List<Handle> hs = List.of(pod("h1", "default", "gone"));
        PodGc.Decision first = PodGc.decide(hs, Set.of(), Map.of(), T0, GRACE);
        assertThat(first.release()).isEmpty();
        assertThat(first.deadSince()).containsEntry("h1", T0);
        PodGc.Decision early = PodGc.decide(hs, Set.of(), first.deadSince(), T0.plus(GRACE).minusSeconds(1), GRACE);
        assertThat(early.release()).isEmpty();
        PodGc.Decision due = PodGc.decide(hs, Set.of(), early.deadSince(), T0.plus(GRACE), GRACE);
        assertThat(due.release()).containsExactly("h1");
        assertThat(due.deadSince()).isEmpty();
    }

    @Test
    void aListedPodKeepsItsAddressWhateverItsAgentAndAPodThatCameBackStartsAgain() {
        List<Handle> hs = List.of(pod("h1", "default", "web"));
        PodGc.Decision seen = PodGc.decide(hs, Set.of(), Map.of(), T0, GRACE);
        PodGc.Decision back = PodGc.decide(hs, Set.of("default/web"), seen.deadSince(), T0.plus(GRACE), GRACE);
        assertThat(back.release()).isEmpty();
        assertThat(back.deadSince()).isEmpty();
        assertThat(PodGc.decide(hs, Set.of(), back.deadSince(), T0.plus(GRACE.multipliedBy(2)), GRACE).release()).isEmpty();
    }

    @Test
    void handlesWithoutAPodAndRecentlyAssignedOnesAreNeverReleased() {
        Handle tunnel = handle("tunnel.n1", Map.of("node", "n1"), T0.minus(Duration.ofDays(1)));
        Handle fresh = handle("h2", Map.of("podNamespace", "default", "pod", "new"), T0.plus(GRACE));
        Map<String, Instant> longDead = Map.of("h2", T0.minus(Duration.ofDays(1)));
        PodGc.Decision d = PodGc.decide(List.of(tunnel, fresh), Set.of(), longDead, T0.plus(GRACE).plusSeconds(1), GRACE);
        assertThat(d.release()).isEmpty();
        assertThat(d.deadSince()).containsOnlyKeys("h2");
    }
}
