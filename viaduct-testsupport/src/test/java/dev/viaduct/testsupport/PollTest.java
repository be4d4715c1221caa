package dev.viaduct.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PollTest {
    @Test
    void returnsTheFirstAcceptedValue() {
        AtomicInteger calls = new AtomicInteger();
        int v = Poll.until("third call", Duration.ofSeconds(5), calls::incrementAndGet, n -> n >= 3);
        assertThat(v).isEqualTo(3);
    }

    @Test
    void timeoutNamesTheConditionAndTheLastValue() {
        assertThatThrownBy(() -> Poll.until("the answer", Duration.ofMillis(50), () -> 41, n -> n == 42))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("the answer")
                .hasMessageContaining("last value: 41");
    }

    @Test
    void probeExceptionsAreRetriedAndReported() {
        assertThatThrownBy(() -> Poll.until("a probe that always fails", Duration.ofMillis(50),
                () -> { throw new IllegalStateException("not yet"); }, x -> true))
                .hasMessageContaining("last probe failed")
                .hasMessageContaining("not yet");
    }
}
