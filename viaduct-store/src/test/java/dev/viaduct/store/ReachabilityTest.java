package dev.viaduct.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReachabilityTest {
    final AtomicInteger probes = new AtomicInteger();
    volatile boolean answers;
    final Reachability r = new Reachability(() -> {
        probes.incrementAndGet();
        if (!answers) {
            throw new StoreException(StoreException.Reason.UNAVAILABLE, "etcd probe: no answer within 1000 ms");
        }
    });

    @Test
    void reachableUntilARequestFailsAsUnavailableAndNoProbeWhileReachable() {
        assertThat(r.unreachable(Duration.ofSeconds(1))).isEmpty();
        r.failed(new StoreException(StoreException.Reason.REJECTED, "etcd txn: request too large"));
        assertThat(r.down()).as("a refusal is an answer").isEmpty();
        r.failed(new StoreException(StoreException.Reason.UNAVAILABLE, "etcd txn: no answer within 1500 ms"));
        assertThat(r.down()).hasValueSatisfying(d -> assertThat(d.reason()).contains("no answer within 1500 ms"));
        r.succeeded();
        assertThat(r.down()).isEmpty();
        assertThat(probes).hasValue(0);
    }

    @Test
    void whileUnreachableACallerWaitsForAProbeAndFindsTheStoreBackOnceItAnswers() {
        r.failed(new StoreException(StoreException.Reason.UNAVAILABLE, "etcd get: connection refused"));
        assertThat(r.unreachable(Duration.ofSeconds(5))).hasValueSatisfying(d -> assertThat(d.reason()).contains("refused"));
        assertThat(probes).hasValue(1);
        answers = true;
        dev.viaduct.testsupport.Poll.until("a probe finds the store back", Duration.ofSeconds(10),
                () -> r.unreachable(Duration.ofSeconds(5)).isEmpty());
        assertThat(r.down()).isEmpty();
    }
}
