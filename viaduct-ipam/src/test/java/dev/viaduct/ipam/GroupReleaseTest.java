package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.store.Keys;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import dev.viaduct.store.memory.MemoryDatastore;
import dev.viaduct.testsupport.Poll;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Releases by handle on one node committed together, and never freeing an address another handle holds meanwhile. */
class GroupReleaseTest {
    final MemoryDatastore memory = new MemoryDatastore();
    final Keys keys = new Keys("/grouprelease");
    final FakeNodes nodes = new FakeNodes().add("a", Map.of()).add("b", Map.of());
    final ManualClock clock = new ManualClock();

    @AfterEach
    void close() {
        memory.close();
    }

    Ipam ipam(dev.viaduct.store.Datastore store) {
        return new Ipam(store, keys, IpamConfig.defaults(), nodes, clock);
    }

    @Test
    void concurrentReleasesOnOneNodeAreCommittedTogether() throws Exception {
        GatedDatastore gated = new GatedDatastore(memory);
        Ipam node = ipam(gated);
        node.createPool(Pool.of("10.244.0.0/24"));
        node.assign("warm", "a", true, false, Map.of());
        for (int i = 0; i < 16; i++) {
            node.assign("p" + i, "a", true, false, Map.of());
        }
        gated.txns.set(0);
        gated.armed = true;
        Thread first = Thread.ofVirtual().start(() -> node.releaseByHandle("warm")); // its transaction waits at the gate
        Poll.until("the first release at the gate", Duration.ofSeconds(10), () -> gated.txns.get() == 1);
        Map<String, List<InetAddress>> released = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String h = "p" + i;
            threads.add(Thread.ofVirtual().start(() -> released.put(h, node.releaseByHandle(h))));
        }
        Poll.until("16 releases queued behind the gated one", Duration.ofSeconds(10), () -> node.queuedReleases() == 16);
        gated.gate.countDown();
        first.join();
        for (Thread t : threads) {
            t.join();
        }
        // one at a time: 16 more transactions (and 16 reads); together: one read and one write for the 16
        assertThat(gated.txns.get()).isBetween(2, 4);
        assertThat(released).hasSize(16).allSatisfy((h, a) -> assertThat(a).hasSize(1));
        assertThat(node.handles()).isEmpty();
        assertThat(node.blocks()).allSatisfy(b -> assertThat(b.allocations()).isEmpty());
        assertThat(node.check().consistent()).isTrue();
        assertThat(node.stats().releases()).isEqualTo(17);
    }

    @Test
    void aBatchThatLostARaceNeverFreesTheAddressAnotherHandleNowHolds() throws Exception {
        Ipam other = ipam(memory); // another instance (its own cache), writing between the batch's read and write
        InetAddress[] reused = new InetAddress[1];
        GatedDatastore gated = new GatedDatastore(memory);
        ForwardingDatastore racing = new ForwardingDatastore(gated) {
            boolean raced;

            @Override
            public TxnResult txn(Txn txn) {
                TxnResult r = inner.txn(txn);
                boolean readOnly = txn.when().isEmpty() && txn.then().stream().allMatch(o -> o instanceof Txn.Op.Get);
                if (readOnly && !txn.then().isEmpty() && !raced) {
                    raced = true;
                    // between the batch's read of the handles and its write: p1 is released, its address reused
                    reused[0] = other.releaseByHandle("p1").getFirst();
                    other.assignStatic("q", "b", reused[0], Map.of());
                }
                return r;
            }
        };
        Ipam node = ipam(racing);
        node.createPool(Pool.of("10.244.0.0/24"));
        node.assign("warm", "a", true, false, Map.of());
        for (int i = 0; i < 4; i++) {
            node.assign("p" + i, "a", true, false, Map.of());
        }
        gated.txns.set(0);
        gated.armed = true;
        Thread first = Thread.ofVirtual().start(() -> node.releaseByHandle("warm"));
        Poll.until("the first release at the gate", Duration.ofSeconds(10), () -> gated.txns.get() == 1);
        Map<String, List<InetAddress>> released = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String h = "p" + i;
            threads.add(Thread.ofVirtual().start(() -> released.put(h, node.releaseByHandle(h))));
        }
        Poll.until("4 releases queued behind the gated one", Duration.ofSeconds(10), () -> node.queuedReleases() == 4);
        gated.gate.countDown();
        first.join();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(reused[0]).as("the race ran").isNotNull();
        assertThat(released.get("p1")).as("released by the other instance first").isEmpty();
        assertThat(released.get("p0")).hasSize(1);
        assertThat(other.handle("q").orElseThrow().addresses()).containsExactly(reused[0]);
        assertThat(node.blocks()).flatExtracting(Block::allocations).extracting(Block.Allocation::handle).containsExactly("q");
        assertThat(node.check().consistent()).isTrue();
    }
}
