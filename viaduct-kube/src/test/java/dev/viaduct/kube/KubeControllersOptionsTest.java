package dev.viaduct.kube;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad options name their field. */
class KubeControllersOptionsTest {
    final KubeControllersOptions ok = KubeControllersOptions.defaults("me");

    @Test
    void leaderElectionTimesMustNestAsClientGoRequires() {
        assertThatThrownBy(() -> ok.withLeaderElection(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(2)))
                .hasMessageStartingWith("leaderElection.leaseDuration");
        assertThatThrownBy(() -> ok.withLeaderElection(Duration.ofSeconds(15), Duration.ofSeconds(2), Duration.ofSeconds(2)))
                .hasMessageStartingWith("leaderElection.renewDeadline");
        assertThatThrownBy(() -> ok.withLeaderElection(Duration.ofMillis(15500), Duration.ofSeconds(10), Duration.ofSeconds(2)))
                .hasMessageContaining("whole seconds");
    }

    @Test
    void theLeaseNeedsDnsNamesAndThePodGcANonNegativeGrace() {
        assertThatThrownBy(() -> ok.withLease("Viaduct_System", "x")).hasMessageStartingWith("leaderElection.namespace");
        assertThatThrownBy(() -> ok.withPodGc(Duration.ofSeconds(-1), Duration.ofMinutes(1))).hasMessageStartingWith("podGc.grace");
        assertThatThrownBy(() -> ok.withPodGc(Duration.ofMinutes(1), Duration.ZERO)).hasMessageStartingWith("podGc.interval");
    }
}
