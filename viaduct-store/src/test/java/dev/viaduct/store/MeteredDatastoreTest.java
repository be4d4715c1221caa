package dev.viaduct.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.store.memory.MemoryDatastore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class MeteredDatastoreTest {
    record Call(String op, long nanos, String error) {
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();
    final MemoryDatastore mem = new MemoryDatastore();
    final MeteredDatastore store = new MeteredDatastore(mem, new MeteredDatastore.Observer() {
        @Override
        public void finished(String op, long nanos, String error) {
            calls.add(new Call(op, nanos, error));
        }

        @Override
        public void leaseLost() {
            calls.add(new Call("lost", 0, null));
        }
    });

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyRequestIsReportedByItsOperationWithItsDuration() {
        store.put("/a/1", b("x"));
        assertThat(store.get("/a/1")).isPresent();
        assertThat(store.list("/a/").kvs()).hasSize(1);
        assertThat(store.create("/a/2", b("y"))).isTrue(); // a default method: one txn
        assertThat(store.delete("/a/2")).isTrue();
        store.currentRevision();
        assertThat(calls).extracting(Call::op).containsExactly("put", "get", "list", "txn", "delete", "revision");
        assertThat(calls).allSatisfy(c -> {
            assertThat(c.error()).isNull();
            assertThat(c.nanos()).isNotNegative();
        });
    }

    @Test
    void listAndWatchCountsAsTheListAndTheWatchItIsMadeOf() {
        try (var w = store.listAndWatch("/a/", ev -> { })) {
            assertThat(w).isNotNull();
        }
        assertThat(calls).extracting(Call::op).containsExactly("list", "watch");
    }

    @Test
    void failuresAreReportedWithTheStoresReasonAndStillThrown() {
        mem.setUnavailable(true);
        assertThatThrownBy(() -> store.get("/a/1")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.grantLease(Duration.ofSeconds(5))).isInstanceOf(StoreException.class);
        assertThat(calls).containsExactly(new Call("get", calls.get(0).nanos(), "unavailable"),
                new Call("lease_grant", calls.get(1).nanos(), "unavailable"));
    }

    @Test
    void leasesAreCountedWhenGrantedKeptAliveAndReportedLost() {
        var lease = store.grantLease(Duration.ofSeconds(2));
        var ka = store.keepAlive(lease, (l, why) -> { });
        store.revokeLease(lease); // the store now reports the kept-alive lease gone
        // the lost lease may be reported before the revoke returns: compare without the "lost" entry
        assertThat(calls).extracting(Call::op).filteredOn(op -> !op.equals("lost"))
                .containsExactly("lease_grant", "lease_keepalive", "lease_revoke");
        // the store tells the keep-alive's listener on its own thread
        dev.viaduct.testsupport.Poll.until("the lost lease to be reported", Duration.ofSeconds(5),
                () -> calls.stream().anyMatch(c -> c.op().equals("lost")));
        ka.close();
    }

    @Test
    void watchEventsStillReachTheListener() {
        List<WatchEvent> seen = new CopyOnWriteArrayList<>();
        var w = store.watch("/w/", 0, seen::add);
        try {
            store.put("/w/1", b("v"));
            dev.viaduct.testsupport.Poll.until("watch event", Duration.ofSeconds(5), () -> seen.size() == 1);
        } finally {
            w.close();
        }
        assertThat(seen.getFirst()).isInstanceOf(WatchEvent.Put.class);
    }
}
