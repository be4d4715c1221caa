package dev.viaduct.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Poll;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A hung etcd (SIGSTOP: it keeps its connections and answers nothing, as across a partition) and a killed one
 * (connections refused): a request under a {@link RequestTimeout} fails as try-again by that timeout, the
 * store is then known unreachable, and it is known reachable again once etcd answers — no new client needed.
 */
@Tag("etcd")
class EtcdReachabilityTest {
    static final StoreOptions OPTS = StoreOptions.of(java.util.List.of("http://127.0.0.1:1"))
            .withTimeouts(Duration.ofSeconds(15), Duration.ofSeconds(10));

    @ParameterizedTest
    @ValueSource(strings = {"jetcd", "gateway"})
    void aFrozenEtcdFailsARequestByItsTimeoutAndIsKnownUnreachableUntilItAnswersAgain(String client) {
        try (EtcdCluster etcd = EtcdCluster.start(1);
                Datastore s = EtcdClients.connect(client, OPTS.withEndpoints(etcd.endpoints()))) {
            s.put("/reach/k", "v".getBytes(StandardCharsets.UTF_8));
            assertThat(s.unreachable(Duration.ZERO)).isEmpty();
            long pid = etcd.member(0).pid();
            Cmd.ok("kill", "-STOP", Long.toString(pid));
            try {
                assertThatThrownBy(() -> RequestTimeout.within(Duration.ofMillis(800), () -> s.get("/reach/k")))
                        .isInstanceOfSatisfying(StoreException.class, e -> {
                            assertThat(e.tryAgain()).isTrue();
                            assertThat(e.getMessage()).contains("no answer within");
                        });
                assertThat(s.unreachable(Duration.ZERO)).hasValueSatisfying(d -> assertThat(d.reason()).contains("no answer"));
                assertThat(s.unreachable(Duration.ofMillis(300))).as("a probe of a frozen etcd gets no answer").isPresent();
            } finally {
                Cmd.run("kill", "-CONT", Long.toString(pid));
            }
            Poll.until("etcd known reachable after SIGCONT", Duration.ofSeconds(30),
                    () -> s.unreachable(Duration.ofSeconds(1)).isEmpty());
            assertThat(s.get("/reach/k")).isPresent();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetcd", "gateway"})
    void aKilledEtcdIsKnownUnreachableAndReachableOnceRestarted(String client) {
        try (EtcdCluster etcd = EtcdCluster.start(1);
                Datastore s = EtcdClients.connect(client, OPTS.withEndpoints(etcd.endpoints()))) {
            s.put("/reach/k", "v".getBytes(StandardCharsets.UTF_8));
            etcd.member(0).kill();
            try {
                assertThatThrownBy(() -> RequestTimeout.within(Duration.ofMillis(800), () -> s.get("/reach/k")))
                        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.tryAgain()).isTrue());
                assertThat(s.unreachable(Duration.ofMillis(300))).isPresent();
            } finally {
                etcd.member(0).start();
            }
            Poll.until("etcd known reachable after its restart", Duration.ofSeconds(30),
                    () -> s.unreachable(Duration.ofSeconds(1)).isEmpty());
            assertThat(s.get("/reach/k")).isPresent();
        }
    }
}
