package dev.viaduct.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.testsupport.LoopbackPorts;
import dev.viaduct.testsupport.Poll;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The datastore contract against a real single-member etcd, plus what only etcd can show. */
@Tag("etcd")
class EtcdDatastoreTest extends EtcdContract {
    @BeforeAll
    static void startEtcd() {
        start(EtcdDatastore::connect);
    }

    @Test
    void etcdctlSeesWhatTheStoreWrote() {
        store.put(dir + "independent", b("{\"x\":1}"));
        String out = etcd.etcdctl("get", "--print-value-only", dir + "independent").orThrow().stdout().strip();
        assertThat(out).isEqualTo("{\"x\":1}");
        etcd.etcdctl("put", dir + "from-etcdctl", "hello").orThrow();
        assertThat(store.get(dir + "from-etcdctl").orElseThrow().valueUtf8()).isEqualTo("hello");
    }

    @Test
    void unreachableEtcdIsTryAgain() {
        int port = LoopbackPorts.unused();
        assertThatThrownBy(() -> EtcdDatastore.connect(StoreOptions.of(List.of("http://127.0.0.1:" + port))
                .withTimeouts(Duration.ofMillis(800), Duration.ofMillis(800))))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.tryAgain()).as(e.getMessage()).isTrue();
                    assertThat(e.getMessage()).contains("127.0.0.1:" + port);
                });
    }

    @Test
    void aRequestToAStoppedMemberFailsWithTryAgainAndWorksAfterRestart() {
        // own cluster: stopping the shared one would disturb the other tests
        try (EtcdCluster one = EtcdCluster.start(1);
                EtcdDatastore s = EtcdDatastore.connect(StoreOptions.of(one.endpoints())
                        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)))) {
            s.put("/x/a", b("1"));
            one.member(0).stop();
            assertThatThrownBy(() -> s.get("/x/a"))
                    .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.tryAgain()).as(e.getMessage()).isTrue());
            one.member(0).start();
            assertThat(Poll.until("store answers again", Duration.ofSeconds(20), () -> {
                try {
                    return s.get("/x/a").map(KeyValue::valueUtf8).orElse("missing");
                } catch (StoreException e) {
                    return e.getMessage();
                }
            }, "1"::equals)).isEqualTo("1");
        }
    }
}
