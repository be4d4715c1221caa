package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.store.Keys;
import dev.viaduct.store.Listing;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.Watch;
import dev.viaduct.store.WatchEvent;
import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.testsupport.Poll;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import java.net.InetAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Faults under load: three nodes allocate and release concurrently on a three-member etcd while the
 * leader is killed (SIGKILL) and later restarted, and then another single member is restarted. Afterwards:
 * no address was ever held twice, the store holds exactly what the workload holds (GC and check find no
 * leak), and a watch that lived through it all saw every change exactly once.
 */
@Tag("etcd")
class IpamFaultTest {

    @Test
    void leaderKillAndMemberRestartLoseNothingAndDuplicateNothing() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(3)) {
            Keys keys = new Keys("/faults");
            FakeNodes nodes = new FakeNodes().add("n0", Map.of()).add("n1", Map.of()).add("n2", Map.of());
            StoreOptions opts = StoreOptions.of(etcd.endpoints()).withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(3));
            List<EtcdDatastore> clients = new ArrayList<>();
            List<Ipam> ipams = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                EtcdDatastore c = EtcdDatastore.connect(opts);
                clients.add(c);
                ipams.add(new Ipam(c, keys, IpamConfig.defaults(), nodes, InstantSource.system()));
            }
            // Two watches on everything IPAM writes, each connected to exactly the member that will go down:
            // one to the leader (killed, later restarted), one to the member that is restarted afterwards.
            // Each must resume from its last revision when its member is back.
            int leader = etcd.leaderIndex();
            int restarted = (leader + 1) % 3;
            EtcdDatastore watcherA = EtcdDatastore.connect(opts.withEndpoints(List.of(etcd.member(leader).clientUrl())));
            EtcdDatastore watcherB = EtcdDatastore.connect(opts.withEndpoints(List.of(etcd.member(restarted).clientUrl())));
            clients.add(watcherA);
            clients.add(watcherB);
            try {
                ipams.getFirst().createPool(Pool.of("10.88.0.0/25").withBlockSize(28));
                ipams.getFirst().createPool(Pool.of("fd00:88::/120").withBlockSize(124));

                List<WatchEvent> eventsA = new CopyOnWriteArrayList<>();
                List<WatchEvent> eventsB = new CopyOnWriteArrayList<>();
                Watch watchA = watcherA.listAndWatch(keys.prefix() + "/", eventsA::add);
                Watch watchB = watcherB.listAndWatch(keys.prefix() + "/", eventsB::add);

                ChurnWorkload w = new ChurnWorkload();
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> workers = new ArrayList<>();
                for (int n = 0; n < 3; n++) {
                    Ipam ipam = ipams.get(n);
                    String node = "n" + n;
                    for (int k = 0; k < 2; k++) {
                        workers.add(Thread.ofVirtual().name(node + "-w" + k).start(() -> w.run(ipam, node, 8, stop::get, true)));
                    }
                }
                try {
                    awaitAssigned(w, 150);
                    assertThat(etcd.leaderIndex()).isEqualTo(leader);
                    etcd.member(leader).kill();
                    awaitAssigned(w, w.assigned.get() + 150);
                    etcd.member(leader).start();
                    awaitAssigned(w, w.assigned.get() + 150);
                    etcd.member(restarted).stop();
                    awaitAssigned(w, w.assigned.get() + 50);
                    etcd.member(restarted).start();
                    awaitAssigned(w, w.assigned.get() + 150);
                } finally {
                    stop.set(true);
                    for (Thread t : workers) {
                        t.join();
                    }
                }
                assertThat(w.unexpected).isEmpty();
                assertThat(w.duplicates).isEmpty();

                Ipam any = ipams.get(1);
                Map<InetAddress, String> inStore = new HashMap<>();
                for (Block b : any.blocks()) {
                    for (Block.Allocation a : b.allocations()) {
                        assertThat(inStore.put(a.address(), a.handle())).isNull();
                    }
                }
                assertThat(inStore).as("the store holds exactly the workload's addresses").isEqualTo(w.held);
                CheckReport check = any.check();
                assertThat(check.consistent()).as(check.toString()).isTrue();
                GcReport gc = any.gc(w.handles.keySet(), Optional.empty(), Duration.ZERO, true);
                assertThat(gc.released()).as("GC finds no leak").isEmpty();
                System.out.printf("faults: assigned=%d released=%d tryAgain=%d duplicates=%d live=%d%n",
                        w.assigned.get(), w.released.get(), w.tryAgain.get(), w.duplicates.size(), w.held.size());

                // the watches missed nothing and repeated nothing: replaying each rebuilds the store's state
                Listing now = clients.getFirst().list(keys.prefix() + "/");
                Map<String, Long> expected = new TreeMap<>();
                now.kvs().forEach(kv -> expected.put(kv.key(), kv.modRevision()));
                for (List<WatchEvent> events : List.of(eventsA, eventsB)) {
                    Poll.until("watch caught up with revision " + now.revision(), Duration.ofSeconds(30),
                            () -> replay(events), expected::equals);
                    long last = 0;
                    for (WatchEvent e : events) {
                        if (e instanceof WatchEvent.Resync) {
                            assertThat(e.revision()).isGreaterThanOrEqualTo(last);
                        } else {
                            assertThat(e.revision()).as("revisions increase").isGreaterThanOrEqualTo(last);
                        }
                        last = e.revision();
                    }
                    assertThat(events.stream().filter(e -> e instanceof WatchEvent.Resync).count())
                            .as("only the initial snapshot: no compaction happened").isEqualTo(1);
                    assertNoRepeats(events);
                }
                watchA.close();
                watchB.close();

                w.releaseAll(any);
                assertThat(any.handles()).isEmpty();
                assertThat(any.blocks()).allSatisfy(b -> assertThat(b.allocations()).isEmpty());
            } finally {
                clients.forEach(EtcdDatastore::close);
            }
        }
    }

    /** Applies the events to an empty map (a Resync replaces it): key → mod revision. */
    static Map<String, Long> replay(List<WatchEvent> events) {
        Map<String, Long> state = new TreeMap<>();
        for (WatchEvent e : List.copyOf(events)) {
            switch (e) {
                case WatchEvent.Resync r -> {
                    state.clear();
                    r.snapshot().forEach(kv -> state.put(kv.key(), kv.modRevision()));
                }
                case WatchEvent.Put p -> state.put(p.kv().key(), p.kv().modRevision());
                case WatchEvent.Delete d -> state.remove(d.key());
            }
        }
        return state;
    }

    /** The same (key, revision) never arrives twice. */
    static void assertNoRepeats(List<WatchEvent> events) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (WatchEvent e : events) {
            String id = switch (e) {
                case WatchEvent.Put p -> p.kv().key() + "@" + p.revision();
                case WatchEvent.Delete d -> d.key() + "@" + d.revision() + "-";
                case WatchEvent.Resync r -> "resync@" + r.revision();
            };
            assertThat(seen.add(id)).as("event %s delivered twice", id).isTrue();
        }
    }

    static void awaitAssigned(ChurnWorkload w, int n) {
        Poll.until(n + " assignments (failures so far: " + w.unexpected + ")", Duration.ofSeconds(60),
                () -> w.assigned.get() >= n || !w.unexpected.isEmpty());
        assertThat(w.unexpected).isEmpty();
    }

}
