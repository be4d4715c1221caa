package dev.viaduct.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The semantics every {@link Datastore} must have, run against etcd and against the in-memory store, so
 * unit tests on the memory store mean something for production.
 */
abstract class DatastoreContract {
    /** The store under test (fresh per test or shared; tests use their own key prefix). */
    abstract Datastore store();

    /** Compacts history up to {@code revision}. */
    abstract void compact(long revision);

    /** Makes leases expire (memory: advance the clock); returns when expired keys may be checked. */
    abstract void letLeaseExpire(Lease lease);

    private static final AtomicInteger TEST = new AtomicInteger();

    final String dir = "/contract/" + getClass().getSimpleName() + "/" + System.nanoTime() + "-" + TEST.incrementAndGet() + "/";

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void putGetDeleteTrackRevisions() {
        Datastore s = store();
        long r1 = s.put(dir + "a", b("1"));
        KeyValue kv = s.get(dir + "a").orElseThrow();
        assertThat(kv.valueUtf8()).isEqualTo("1");
        assertThat(kv.createRevision()).isEqualTo(r1);
        assertThat(kv.modRevision()).isEqualTo(r1);
        assertThat(kv.version()).isEqualTo(1);
        long r2 = s.put(dir + "a", b("2"));
        assertThat(r2).isGreaterThan(r1);
        KeyValue kv2 = s.get(dir + "a").orElseThrow();
        assertThat(kv2.createRevision()).isEqualTo(r1);
        assertThat(kv2.modRevision()).isEqualTo(r2);
        assertThat(kv2.version()).isEqualTo(2);
        assertThat(s.currentRevision()).isGreaterThanOrEqualTo(r2);
        assertThat(s.delete(dir + "a")).isTrue();
        assertThat(s.delete(dir + "a")).isFalse();
        assertThat(s.get(dir + "a")).isEmpty();
    }

    @Test
    void listReturnsOnlyThePrefixSortedByKey() {
        Datastore s = store();
        s.put(dir + "x/b", b("b"));
        s.put(dir + "x/a", b("a"));
        s.put(dir + "x/c", b("c"));
        s.put(dir + "xy", b("not under x/"));
        Listing l = s.list(dir + "x/");
        assertThat(l.kvs()).extracting(KeyValue::key).containsExactly(dir + "x/a", dir + "x/b", dir + "x/c");
        assertThat(l.revision()).isGreaterThanOrEqualTo(l.kvs().stream().mapToLong(KeyValue::modRevision).max().orElseThrow());
        assertThat(s.deletePrefix(dir + "x/")).isEqualTo(3);
        assertThat(s.list(dir + "x/").kvs()).isEmpty();
        assertThat(s.get(dir + "xy")).isPresent();
        assertThatThrownBy(() -> s.list("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void compareAndSwapOnModRevision() {
        Datastore s = store();
        String k = dir + "cas";
        assertThat(s.create(k, b("first"))).isTrue();
        assertThat(s.create(k, b("second"))).isFalse();
        KeyValue kv = s.get(k).orElseThrow();
        assertThat(kv.valueUtf8()).isEqualTo("first");
        assertThat(s.compareAndSwap(k, kv.modRevision(), b("v2"))).isTrue();
        assertThat(s.compareAndSwap(k, kv.modRevision(), b("stale"))).isFalse();
        assertThat(s.get(k).orElseThrow().valueUtf8()).isEqualTo("v2");

        // a failed CAS fetches the current value in the same round trip
        TxnResult r = s.txn(Txn.builder().ifModRevision(k, kv.modRevision()).put(k, b("nope")).elseGet(k).build());
        assertThat(r.succeeded()).isFalse();
        assertThat(r.gets()).hasSize(1);
        assertThat(r.gets().getFirst().orElseThrow().valueUtf8()).isEqualTo("v2");
        assertThat(r.getsByKey()).containsKey(k);

        long mod = s.get(k).orElseThrow().modRevision();
        assertThat(s.compareAndDelete(k, mod - 1)).isFalse();
        assertThat(s.compareAndDelete(k, mod)).isTrue();
        assertThat(s.get(k)).isEmpty();
    }

    @Test
    void transactionWritesShareOneRevisionAndAreAtomic() {
        Datastore s = store();
        TxnResult r = s.txn(Txn.builder().ifAbsent(dir + "t1").ifAbsent(dir + "t2")
                .put(dir + "t1", b("1")).put(dir + "t2", b("2")).get(dir + "t1").build());
        assertThat(r.succeeded()).isTrue();
        assertThat(r.gets().getFirst().orElseThrow().modRevision()).isEqualTo(r.revision());
        assertThat(s.get(dir + "t1").orElseThrow().modRevision()).isEqualTo(s.get(dir + "t2").orElseThrow().modRevision());
        // one comparison fails: nothing of the then-branch happens
        TxnResult r2 = s.txn(Txn.builder().ifAbsent(dir + "t3").ifAbsent(dir + "t1")
                .put(dir + "t3", b("3")).delete(dir + "t2").elseGet(dir + "t3").build());
        assertThat(r2.succeeded()).isFalse();
        assertThat(r2.gets()).containsExactly(Optional.empty());
        assertThat(s.get(dir + "t3")).isEmpty();
        assertThat(s.get(dir + "t2")).isPresent();
    }

    @Test
    void concurrentCompareAndSwapLosesNoUpdate() throws Exception {
        Datastore s = store();
        String k = dir + "counter";
        s.put(k, b("0"));
        int threads = 4;
        int each = 25;
        AtomicInteger conflicts = new AtomicInteger();
        List<Thread> ts = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < each; i++) {
                    while (true) {
                        KeyValue kv = s.get(k).orElseThrow();
                        int n = Integer.parseInt(kv.valueUtf8());
                        if (s.compareAndSwap(k, kv.modRevision(), b(Integer.toString(n + 1)))) {
                            break;
                        }
                        conflicts.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        assertThat(Integer.parseInt(s.get(k).orElseThrow().valueUtf8())).isEqualTo(threads * each);
        assertThat(s.get(k).orElseThrow().version()).isEqualTo(threads * each + 1);
    }

    @Test
    void revokedLeaseDeletesItsKeys() {
        Datastore s = store();
        Lease lease = s.grantLease(Duration.ofSeconds(30));
        s.put(dir + "leased", b("x"), lease);
        assertThat(s.get(dir + "leased").orElseThrow().leaseId()).isEqualTo(lease.id());
        assertThat(s.timeToLive(lease)).hasValueSatisfying(d -> assertThat(d).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30)));
        s.revokeLease(lease);
        assertThat(s.get(dir + "leased")).isEmpty();
        assertThat(s.timeToLive(lease)).isEmpty();
        s.revokeLease(lease); // unknown lease: not an error
    }

    @Test
    void expiredLeaseDeletesItsKeysAndTheWatchSeesIt() {
        Datastore s = store();
        Lease lease = s.grantLease(Duration.ofSeconds(2));
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        try (Watch w = s.watch(dir, 0, events::add)) {
            s.put(dir + "node", b("up"), lease);
            letLeaseExpire(lease);
            Poll.until("lease key deleted", Duration.ofSeconds(10), () -> s.get(dir + "node").isEmpty());
            Poll.until("watch saw put and delete", Duration.ofSeconds(5), () -> events.size() >= 2);
            assertThat(events.get(0)).isInstanceOf(WatchEvent.Put.class);
            assertThat(events.get(1)).isInstanceOfSatisfying(WatchEvent.Delete.class,
                    d -> assertThat(d.key()).isEqualTo(dir + "node"));
        }
    }

    @Test
    void keepAliveKeepsTheLeaseAndCloseLetsItGo() {
        Datastore s = store();
        Lease lease = s.grantLease(Duration.ofSeconds(2));
        s.put(dir + "kept", b("x"), lease);
        AtomicReference<String> lost = new AtomicReference<>();
        KeepAlive ka = s.keepAlive(lease, (l, why) -> lost.set(why));
        assertThat(ka.alive()).isTrue();
        letLeaseExpire(lease);
        assertThat(s.get(dir + "kept")).as("kept alive past its TTL").isPresent();
        assertThat(lost.get()).isNull();
        // revoking tells the keep-alive's listener
        s.revokeLease(lease);
        Poll.until("lease-lost callback", Duration.ofSeconds(10), () -> lost.get() != null);
        assertThat(ka.alive()).isFalse();
        ka.close();
    }

    @Test
    void watchDeliversFromAPastRevisionInOrderWithoutRepeats() throws Exception {
        Datastore s = store();
        long start = s.put(dir + "w/a", b("1"));
        s.put(dir + "w/b", b("2"));
        s.delete(dir + "w/a");
        s.put(dir + "other", b("not watched"));
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        try (Watch w = s.watch(dir + "w/", start, events::add)) {
            long last = s.put(dir + "w/c", b("3"));
            Poll.until("4 events", Duration.ofSeconds(5), () -> events.size() >= 4);
            assertThat(events).extracting(e -> e.getClass().getSimpleName()).containsExactly("Put", "Put", "Delete", "Put");
            assertThat(events).extracting(WatchEvent::revision).isSorted().doesNotHaveDuplicates();
            assertThat(events.getLast().revision()).isEqualTo(last);
            Poll.until("lastRevision", Duration.ofSeconds(5), () -> w.lastRevision() == last);
        }
    }

    @Test
    void listAndWatchStartsWithTheSnapshot() {
        Datastore s = store();
        s.put(dir + "lw/a", b("1"));
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        try (Watch w = s.listAndWatch(dir + "lw/", events::add)) {
            assertThat(events.getFirst()).isInstanceOfSatisfying(WatchEvent.Resync.class,
                    r -> assertThat(r.snapshot()).extracting(KeyValue::key).containsExactly(dir + "lw/a"));
            s.put(dir + "lw/b", b("2"));
            Poll.until("put after snapshot", Duration.ofSeconds(5), () -> events.size() == 2);
            assertThat(events.get(1)).isInstanceOf(WatchEvent.Put.class);
        }
    }

    @Test
    void aListenerThatDoesNotReturnShowsAsAStalledWatchUntilItDoes() throws Exception {
        Datastore s = store();
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (Watch w = s.watch(dir, 0, e -> {
            inListener.countDown();
            try {
                release.await();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        })) {
            Poll.until("idle watch owes nothing", Duration.ofSeconds(5), () -> w.stalledSince().isEmpty());
            long before = System.nanoTime();
            s.put(dir + "x", b("1"));
            assertThat(inListener.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(w.stalledSince()).isPresent();
            assertThat(w.stalledSince().getAsLong()).isGreaterThanOrEqualTo(before);
            assertThat(s.watchesStalledSince()).isPresent();
            assertThat(s.watchesStalledSince().getAsLong()).isLessThanOrEqualTo(w.stalledSince().getAsLong());
            release.countDown();
            Poll.until("delivered, no longer stalled", Duration.ofSeconds(5), () -> w.stalledSince().isEmpty());
        } finally {
            release.countDown();
        }
    }

    @Test
    void watchFromACompactedRevisionRelistsThenContinues() {
        Datastore s = store();
        long old = s.put(dir + "c/a", b("1"));
        s.put(dir + "c/a", b("2"));
        long now = s.put(dir + "c/b", b("3"));
        compact(now);
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        try (Watch w = s.watch(dir + "c/", old, events::add)) {
            Poll.until("resync", Duration.ofSeconds(10), () -> !events.isEmpty());
            WatchEvent.Resync r = (WatchEvent.Resync) events.getFirst();
            assertThat(r.revision()).isGreaterThanOrEqualTo(now);
            assertThat(r.snapshot()).extracting(KeyValue::valueUtf8).containsExactly("2", "3");
            long next = s.put(dir + "c/c", b("4"));
            Poll.until("event after resync", Duration.ofSeconds(10), () -> events.size() == 2);
            assertThat(events.get(1).revision()).isEqualTo(next);
        }
    }

    @Test
    void closedWatchDeliversNothingMore() {
        Datastore s = store();
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        Watch w = s.watch(dir + "closed/", 0, events::add);
        s.put(dir + "closed/a", b("1"));
        Poll.until("first event", Duration.ofSeconds(5), () -> events.size() == 1);
        w.close();
        s.put(dir + "closed/b", b("2"));
        // a later event on another watch proves the store delivered it; the closed one must not have it
        List<WatchEvent> probe = new CopyOnWriteArrayList<>();
        try (Watch p = s.watch(dir + "closed/", 1, probe::add)) {
            Poll.until("probe saw both", Duration.ofSeconds(5), () -> probe.size() >= 2);
        }
        assertThat(events).hasSize(1);
    }
}
