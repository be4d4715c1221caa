package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.memory.MemoryDatastore;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemoryIpamTest extends IpamContract {
    MemoryDatastore memory;

    @Override
    Datastore store() {
        memory = new MemoryDatastore();
        return memory;
    }

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void unreachableStoreIsTryAgainAndLeavesNothingHalfDone() {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        memory.setUnavailable(true);
        assertThatThrownBy(() -> ipam.assign("h", "a", true, false, Map.of()))
                .isInstanceOfSatisfying(IpamException.class, e -> {
                    assertThat(e.tryAgain()).isTrue();
                    assertThat(e.getMessage()).contains("assign h").contains("try again");
                });
        memory.setUnavailable(false);
        assertThat(ipam.handles()).isEmpty();
        assertThat(ipam.blocks()).isEmpty();
    }

    @Test
    void concurrentAssignsOnOneNodeAreCommittedTogether() throws Exception {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        ipam.assign("taken", "b", true, false, Map.of()); // a handle of another node, to fail inside a batch
        GatedDatastore gated = new GatedDatastore(memory);
        Ipam node = new Ipam(gated, keys, IpamConfig.defaults(), nodes, clock);
        node.assign("warm", "a", true, false, Map.of()); // first txn: passes the gate only when opened
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        java.util.Map<String, Object> results = new java.util.concurrent.ConcurrentHashMap<>();
        gated.txns.set(0);
        gated.armed = true;
        for (int i = 0; i < 16; i++) {
            String h = i == 15 ? "taken" : "p" + i;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    results.put(h, node.assign(h, "a", true, false, Map.of()));
                } catch (IpamException e) {
                    results.put(h, e);
                }
            }));
        }
        dev.viaduct.testsupport.Poll.until("16 requests queued or in the gated batch", java.time.Duration.ofSeconds(10),
                () -> node.pendingAssigns() == 16);
        gated.gate.countDown();
        for (Thread t : threads) {
            t.join();
        }
        // without group commit: 16 transactions and more; with it: the gated batch, then everything queued behind
        // it in one, each batch retried at most once (for the request that turns out to hold a foreign handle)
        assertThat(gated.txns.get()).isBetween(2, 4);
        assertThat(results.get("taken")).isInstanceOfSatisfying(IpamException.class,
                e -> assertThat(e.getMessage()).contains("allocated by node b"));
        java.util.Set<java.net.InetAddress> addrs = new java.util.HashSet<>();
        for (int i = 0; i < 15; i++) {
            addrs.add(((Assignment) results.get("p" + i)).ipv4().orElseThrow());
        }
        assertThat(addrs).hasSize(15);
        assertThat(node.check().consistent()).isTrue();
        assertThat(node.handles()).hasSize(17);
    }

    @Test
    void nodesInStoreReadsNodeRecordsAndTheirLabels() {
        memory.put(keys.node("n1"), "{\"name\":\"n1\",\"labels\":{\"rack\":\"r1\"},\"ips\":[\"10.0.0.1\"]}".getBytes());
        memory.put(keys.node("n2"), "not json".getBytes());
        NodesInStore known = new NodesInStore(memory, keys);
        assertThat(known.names()).containsExactly("n1", "n2");
        assertThat(known.labels("n1")).contains(Map.of("rack", "r1"));
        assertThat(known.labels("n2")).contains(Map.of());
        assertThat(known.labels("n3")).isEmpty();
        // the default constructor uses it: a selector on rack picks the pool for n1 only
        Ipam withStoreNodes = new Ipam(memory, keys);
        withStoreNodes.createPool(Pool.of("10.5.0.0/24").withNodeSelector("rack == 'r1'"));
        assertThat(withStoreNodes.assign("h1", "n1", true, false, Map.of()).ipv4()).isPresent();
        assertThatThrownBy(() -> withStoreNodes.assign("h2", "n2", true, false, Map.of()))
                .hasMessageContaining("no enabled IPv4 pool selects node n2");
    }
}
