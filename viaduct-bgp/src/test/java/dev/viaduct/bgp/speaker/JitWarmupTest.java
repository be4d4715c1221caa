package dev.viaduct.bgp.speaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

/**
 * The warm-up checks its own work (the scratch RIB ends empty after exporting something; the session's
 * receiver learns every route and then loses every one, within a deadline) and throws if not; these tests run
 * the pieces directly, since which test of the JVM started the first speaker (and so ran {@code once}) is not
 * known.
 */
class JitWarmupTest {
    @Test
    void scratchRibRoundsRunTheUpdatePathAndEndEmpty() {
        assertThatCode(() -> JitWarmup.run(2_000)).doesNotThrowAnyException();
    }

    @Test
    void inMemorySessionCarriesRoutesAndWithdrawals() {
        assertThatCode(() -> JitWarmup.session(500)).doesNotThrowAnyException();
    }

    @Test
    void onceRunsAtMostOncePerJvm() {
        JitWarmup.once(1_000); // whether this call or an earlier speaker ran it...
        assertThat(JitWarmup.once(1_000)).isEqualTo(-1); // ...it never runs again
    }

    @Test
    void zeroRoutesMeansNoWarmup() {
        assertThat(JitWarmup.once(0)).isEqualTo(-1);
    }
}
