package dev.viaduct.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.store.memory.MemoryDatastore;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemoryDatastoreTest extends DatastoreContract {
    final AtomicLong clock = new AtomicLong(1_000_000_000L);
    final MemoryDatastore store = new MemoryDatastore(clock::get);

    @AfterEach
    void close() {
        store.close();
    }

    @Override
    Datastore store() {
        return store;
    }

    @Override
    void compact(long revision) {
        store.compact(revision);
    }

    @Override
    void letLeaseExpire(Lease lease) {
        clock.addAndGet(lease.ttl().toNanos() + 1);
        store.tick();
    }

    @Test
    void unavailableFailsWithTryAgainAndLeasesExpireMeanwhile() {
        Lease lease = store.grantLease(Duration.ofSeconds(5));
        store.put(dir + "n", b("x"), lease);
        KeepAlive ka = store.keepAlive(lease, (l, why) -> { });
        store.setUnavailable(true);
        assertThatThrownBy(() -> store.get(dir + "n"))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.tryAgain()).isTrue());
        clock.addAndGet(Duration.ofSeconds(6).toNanos());
        store.setUnavailable(false);
        assertThat(store.get(dir + "n")).as("keep-alive could not reach the store: lease expired").isEmpty();
        Poll.until("keep-alive reports loss", Duration.ofSeconds(5), () -> !ka.alive());
    }

    @Test
    void reconnectResumesAfterTheLastDeliveredRevisionOrRelists() {
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        try (Watch w = store.watch(dir, 0, events::add)) {
            store.put(dir + "a", b("1"));
            Poll.until("first", Duration.ofSeconds(5), () -> events.size() == 1);
            store.reconnectWatches();
            store.put(dir + "b", b("2"));
            Poll.until("second", Duration.ofSeconds(5), () -> events.size() == 2);
            assertThat(events).extracting(WatchEvent::revision).doesNotHaveDuplicates().isSorted();
            long rev = store.put(dir + "c", b("3"));
            Poll.until("third", Duration.ofSeconds(5), () -> events.size() == 3);
            store.compact(rev);
            store.reconnectWatches(); // last delivered == rev, rev+1 not compacted: plain resume
            store.put(dir + "d", b("4"));
            Poll.until("fourth", Duration.ofSeconds(5), () -> events.size() == 4);
            assertThat(events).allMatch(e -> !(e instanceof WatchEvent.Resync));
        }
    }

    @Test
    void duplicateKeyInOneTransactionIsRejected() {
        assertThatThrownBy(() -> store.txn(Txn.builder().put(dir + "k", b("1")).delete(dir + "k").build()))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.REJECTED));
    }
}
