package dev.viaduct.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LivenessTest {
    static final long S = 1_000_000_000L;

    @Test
    void aLoopFailsOnlyOnceItHasOwedProgressLongerThanItsDeadline() {
        Liveness l = new Liveness();
        long now = 1_000 * S;
        l.register("idle", () -> Duration.ofSeconds(10), OptionalLong::empty);
        l.register("busy-in-time", () -> Duration.ofSeconds(10), () -> OptionalLong.of(now - 9 * S));
        l.register("wedged", () -> Duration.ofSeconds(10), () -> OptionalLong.of(now - 12 * S - S / 2));
        assertThat(l.failures(now)).containsExactly("wedged: no progress for 12.5 s (deadline 10 s)");
        assertThat(l.failures(now - 5 * S)).as("five seconds earlier nothing was late").isEmpty();
        assertThat(l.names()).containsExactly("idle", "busy-in-time", "wedged");
    }
}
