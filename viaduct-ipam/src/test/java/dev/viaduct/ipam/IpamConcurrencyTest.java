package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import java.net.InetAddress;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three independent clients (three nodes, each with its own etcd connection) allocate and release 3,000
 * addresses at once in a pool small enough that every block gets claimed and nodes must borrow.
 */
@Tag("etcd")
class IpamConcurrencyTest {
    static final int TOTAL = 3_000;

    @Test
    void threeNodesChurnThreeThousandAddressesWithoutADuplicateOrALeak() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(1)) {
            Keys keys = new Keys("/concurrency");
            FakeNodes nodes = new FakeNodes().add("n0", Map.of()).add("n1", Map.of()).add("n2", Map.of());
            List<EtcdDatastore> clients = new ArrayList<>();
            List<Ipam> ipams = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                EtcdDatastore c = EtcdDatastore.connect(StoreOptions.of(etcd.endpoints()));
                clients.add(c);
                ipams.add(new Ipam(c, keys, IpamConfig.defaults(), nodes, InstantSource.system()));
            }
            try {
                // 8 blocks of 16 = 128 addresses; up to 3 nodes x 4 workers x 10 = 120 live at once. A node
                // needs up to 3 blocks, three nodes 9 > 8: some must borrow.
                ipams.getFirst().createPool(Pool.of("10.77.0.0/25").withBlockSize(28));
                ChurnWorkload w = new ChurnWorkload();
                List<Thread> workers = new ArrayList<>();
                for (int n = 0; n < 3; n++) {
                    Ipam ipam = ipams.get(n);
                    String node = "n" + n;
                    for (int k = 0; k < 4; k++) {
                        workers.add(Thread.ofVirtual().name(node + "-w" + k).start(() ->
                                w.run(ipam, node, 10, () -> w.assigned.get() >= TOTAL, false)));
                    }
                }
                for (Thread t : workers) {
                    t.join();
                }
                assertThat(w.unexpected).isEmpty();
                assertThat(w.duplicates).isEmpty();
                assertThat(w.assigned.get()).isGreaterThanOrEqualTo(TOTAL);

                // every allocated address maps to exactly one handle, and it is the one the workload holds
                Ipam any = ipams.get(1);
                Map<InetAddress, String> inStore = new HashMap<>();
                for (Block b : any.blocks()) {
                    for (Block.Allocation a : b.allocations()) {
                        assertThat(inStore.put(a.address(), a.handle())).as("%s in two blocks", a.address()).isNull();
                    }
                }
                assertThat(inStore).isEqualTo(w.held);
                assertThat(any.handles()).extracting(Handle::id).containsExactlyInAnyOrderElementsOf(w.handles.keySet());
                CheckReport check = any.check();
                assertThat(check.consistent()).as(check.toString()).isTrue();
                assertThat(any.gc(w.handles.keySet(), Optional.empty(), java.time.Duration.ZERO, true).released())
                        .as("nothing leaked").isEmpty();

                long borrowed = ipams.stream().mapToLong(i -> i.stats().borrowed()).sum();
                long claimed = ipams.stream().mapToLong(i -> i.stats().blocksClaimed()).sum();
                long conflicts = ipams.stream().mapToLong(i -> i.stats().conflicts()).sum();
                long assigns = ipams.stream().mapToLong(i -> i.stats().assigns()).sum();
                long trips = ipams.stream().mapToLong(i -> i.stats().assignRoundTrips()).sum();
                System.out.printf("concurrency: assigned=%d released=%d borrowed=%d blocksClaimed=%d conflicts=%d "
                        + "tryAgain=%d exhausted=%d roundTripsPerAssign=%.2f%n", w.assigned.get(), w.released.get(),
                        borrowed, claimed, conflicts, w.tryAgain.get(), w.exhausted.get(), (double) trips / assigns);
                assertThat(claimed).as("every block claimed once").isEqualTo(8);
                assertThat(borrowed).as("the small pool forced borrowing").isPositive();

                // release everything: nothing left
                w.releaseAll(ipams.get(2));
                assertThat(any.handles()).isEmpty();
                assertThat(any.blocks()).allSatisfy(b -> assertThat(b.allocations()).isEmpty());
                for (int n = 0; n < 3; n++) {
                    ipams.get(n).releaseAffinity("n" + n, false);
                }
                assertThat(any.blocks()).isEmpty();
                assertThat(etcd.etcdctl("get", "--prefix", "--keys-only", keys.prefix() + "/ipam/").orThrow().stdout().strip())
                        .as("only the pool is left").isEqualTo(keys.pool("10.77.0.0/25"));
            } finally {
                clients.forEach(EtcdDatastore::close);
            }
        }
    }
}
