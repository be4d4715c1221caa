package dev.viaduct.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.testsupport.Poll;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Watches and leases on a three-member etcd whose members go away: a watch connected to a member that is
 * killed resumes from its last revision when the member is back (nothing missed, nothing repeated), a
 * watch whose revision was compacted while it was disconnected re-lists, and a kept-alive lease outlives a
 * leader's death.
 */
@Tag("etcd")
class EtcdWatchFaultsTest {
    static EtcdCluster etcd;
    static EtcdDatastore writer;
    static final StoreOptions FAST = StoreOptions.of(List.of("http://127.0.0.1:1"))
            .withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(3));

    @BeforeAll
    static void start() {
        etcd = EtcdCluster.start(3);
        writer = EtcdDatastore.connect(FAST.withEndpoints(etcd.endpoints()));
    }

    @AfterAll
    static void stop() {
        if (writer != null) {
            writer.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    /** Writes with retries: a write that failed with "try again" is repeated (it may have landed: a new revision). */
    static long put(String key, String value) {
        return Poll.until("put " + key, Duration.ofSeconds(30), () -> {
            try {
                return writer.put(key, value.getBytes(UTF_8));
            } catch (StoreException e) {
                if (!e.tryAgain()) {
                    throw e;
                }
                return -1L;
            }
        }, r -> r > 0);
    }

    static Map<String, String> replay(List<WatchEvent> events) {
        Map<String, String> state = new TreeMap<>();
        for (WatchEvent e : List.copyOf(events)) {
            switch (e) {
                case WatchEvent.Resync r -> {
                    state.clear();
                    r.snapshot().forEach(kv -> state.put(kv.key(), kv.valueUtf8()));
                }
                case WatchEvent.Put p -> state.put(p.kv().key(), p.kv().valueUtf8());
                case WatchEvent.Delete d -> state.remove(d.key());
            }
        }
        return state;
    }

    static Map<String, String> current(String prefix) {
        Map<String, String> m = new TreeMap<>();
        writer.list(prefix).kvs().forEach(kv -> m.put(kv.key(), kv.valueUtf8()));
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetcd", "gateway"})
    void watchOnAKilledMemberResumesWithoutMissingOrRepeatingEvents(String client) {
        int victim = (etcd.leaderIndex() + 1) % 3;
        String prefix = "/resume/" + client + "/";
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        try (Datastore onVictim = EtcdClients.connect(client, FAST.withEndpoints(List.of(etcd.member(victim).clientUrl())));
                Watch w = onVictim.watch(prefix, 0, events::add)) {
            for (int i = 0; i < 100; i++) {
                put(prefix + (i % 17), "v" + i);
            }
            etcd.member(victim).kill();
            for (int i = 100; i < 200; i++) {
                put(prefix + (i % 17), "v" + i);
            }
            etcd.member(victim).start();
            for (int i = 200; i < 300; i++) {
                put(prefix + (i % 17), "v" + i);
            }
            Map<String, String> expected = current(prefix);
            Poll.until("watch replays to the current state", Duration.ofSeconds(30), () -> replay(events), expected::equals);
            Set<Long> revisions = new HashSet<>();
            long last = 0;
            for (WatchEvent e : events) {
                assertThat(e).isInstanceOf(WatchEvent.Put.class);
                assertThat(e.revision()).isGreaterThan(last);
                assertThat(revisions.add(e.revision())).isTrue();
                last = e.revision();
            }
            // every put is there exactly once: at least the 300 values (a retried put may add one more revision)
            assertThat(events.stream().map(e -> ((WatchEvent.Put) e).kv().valueUtf8()).distinct().count()).isEqualTo(300);
            assertThat(w.lastRevision()).isEqualTo(last);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetcd", "gateway"})
    void watchWhoseRevisionWasCompactedWhileDisconnectedRelists(String client) {
        int victim = (etcd.leaderIndex() + 2) % 3;
        String prefix = "/compacted/" + client + "/";
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        try (Datastore onVictim = EtcdClients.connect(client, FAST.withEndpoints(List.of(etcd.member(victim).clientUrl())));
                Watch w = onVictim.watch(prefix, 0, events::add)) {
            put(prefix + "a", "1");
            put(prefix + "b", "1");
            Poll.until("first events", Duration.ofSeconds(10), () -> events.size() == 2);
            etcd.member(victim).kill();
            put(prefix + "a", "2");
            writer.delete(prefix + "b");
            long rev = put(prefix + "c", "3");
            etcd.compact(rev);
            etcd.member(victim).start();
            Poll.until("re-list after compaction", Duration.ofSeconds(30),
                    () -> events.stream().anyMatch(e -> e instanceof WatchEvent.Resync));
            WatchEvent.Resync r = (WatchEvent.Resync) events.stream().filter(e -> e instanceof WatchEvent.Resync)
                    .findFirst().orElseThrow();
            assertThat(r.revision()).isGreaterThanOrEqualTo(rev);
            assertThat(r.snapshot()).extracting(kv -> kv.key() + "=" + kv.valueUtf8())
                    .containsExactly(prefix + "a=2", prefix + "c=3");
            put(prefix + "d", "4");
            Poll.until("events after the re-list", Duration.ofSeconds(10), () -> replay(events), current(prefix)::equals);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetcd", "gateway"})
    void keptAliveLeaseOutlivesTheLeader(String client) {
        Lease lease = writer.grantLease(Duration.ofSeconds(3));
        put("/lease/node", "up");
        writer.put("/lease/node", "up".getBytes(UTF_8), lease);
        AtomicReference<String> lost = new AtomicReference<>();
        try (Datastore keeper = EtcdClients.connect(client, FAST.withEndpoints(etcd.endpoints()));
                KeepAlive ka = keeper.keepAlive(lease, (l, why) -> lost.set(why))) {
            int leader = etcd.leaderIndex();
            etcd.member(leader).kill();
            // a control lease granted after the kill, same TTL, no keep-alive: once it is gone, ours would be too
            Lease control = Poll.until("grant control lease", Duration.ofSeconds(20), () -> {
                try {
                    return writer.grantLease(Duration.ofSeconds(3));
                } catch (StoreException e) {
                    return null;
                }
            }, java.util.Objects::nonNull);
            Poll.until("control lease expired", Duration.ofSeconds(30), () -> {
                try {
                    return writer.timeToLive(control).isEmpty();
                } catch (StoreException e) {
                    return false;
                }
            });
            assertThat(writer.get("/lease/node")).as("kept alive across the leader's death").isPresent();
            assertThat(lost.get()).isNull();
            assertThat(ka.alive()).isTrue();
            etcd.member(leader).start();
        }
        writer.revokeLease(lease);
        assertThat(writer.get("/lease/node")).isEmpty();
    }
}
