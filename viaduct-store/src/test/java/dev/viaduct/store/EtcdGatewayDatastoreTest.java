package dev.viaduct.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.store.etcd.EtcdGatewayDatastore;
import dev.viaduct.testsupport.LoopbackPorts;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The JSON-gateway client against a real etcd: what it writes jetcd reads and the other way round (same revisions,
 * leases and transaction outcomes), errors keep their meaning (unreachable is try-again, bad credentials are not).
 */
@Tag("etcd")
class EtcdGatewayDatastoreTest {
    static EtcdCluster etcd;
    static EtcdGatewayDatastore gw;
    static EtcdDatastore grpc;
    final String dir = "/gateway/" + System.nanoTime() + "/";

    @BeforeAll
    static void start() {
        etcd = EtcdCluster.start(1);
        // generous timeouts: a loaded machine makes jetcd's first connection slow, and that is not what is tested
        StoreOptions options = StoreOptions.of(etcd.endpoints()).withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30));
        gw = EtcdGatewayDatastore.connect(options);
        grpc = EtcdDatastore.connect(options);
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
        if (grpc != null) {
            grpc.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void readsAndWritesWhatJetcdSees() {
        long r1 = gw.put(dir + "a", b("{\"x\":1}"));
        KeyValue viaGrpc = grpc.get(dir + "a").orElseThrow();
        assertThat(viaGrpc.valueUtf8()).isEqualTo("{\"x\":1}");
        assertThat(viaGrpc.modRevision()).isEqualTo(r1);
        grpc.put(dir + "b", new byte[] {0, (byte) 0xff, 7});
        assertThat(gw.get(dir + "a")).contains(viaGrpc);
        assertThat(gw.get(dir + "b").orElseThrow()).isEqualTo(grpc.get(dir + "b").orElseThrow());
        assertThat(gw.get(dir + "missing")).isEmpty();
        assertThat(gw.list(dir)).isEqualTo(grpc.list(dir));
        assertThat(gw.list(dir).kvs()).extracting(KeyValue::key).containsExactly(dir + "a", dir + "b");
        assertThat(gw.currentRevision()).isEqualTo(grpc.currentRevision());
        assertThat(gw.delete(dir + "a")).isTrue();
        assertThat(gw.delete(dir + "a")).isFalse();
        gw.put(dir + "c", b("c"));
        assertThat(gw.deletePrefix(dir)).isEqualTo(2);
        assertThat(grpc.list(dir).kvs()).isEmpty();
    }

    @Test
    void listStopsAtThePrefix() {
        gw.put(dir + "x/a", b("a"));
        gw.put(dir + "xy", b("not under x/"));
        assertThat(gw.list(dir + "x/").kvs()).extracting(KeyValue::key).containsExactly(dir + "x/a");
        assertThatThrownBy(() -> gw.list("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void compareAndSwapTransactionsHaveEtcdsOutcome() {
        String k = dir + "cas";
        assertThat(gw.create(k, b("first"))).isTrue();
        assertThat(gw.create(k, b("again"))).isFalse();
        long rev = grpc.get(k).orElseThrow().modRevision();
        TxnResult lost = gw.txn(Txn.builder().ifModRevision(k, rev - 1).put(k, b("stale")).elseGet(k).build());
        assertThat(lost.succeeded()).isFalse();
        assertThat(lost.gets()).hasSize(1);
        assertThat(lost.gets().getFirst().orElseThrow().valueUtf8()).isEqualTo("first");
        TxnResult won = gw.txn(Txn.builder().ifModRevision(k, rev).put(k, b("second")).get(k).build());
        assertThat(won.succeeded()).isTrue();
        assertThat(won.revision()).isGreaterThan(rev);
        assertThat(grpc.get(k).orElseThrow().valueUtf8()).isEqualTo("second");
        assertThat(gw.compareAndDelete(k, won.revision())).isTrue();
        assertThat(grpc.get(k)).isEmpty();
        TxnResult absent = gw.txn(Txn.builder().ifAbsent(k).get(k).build());
        assertThat(absent.succeeded()).isTrue();
        assertThat(absent.gets()).containsExactly(Optional.empty());
    }

    @Test
    void leasesGrantAttachAndRevoke() {
        Lease lease = gw.grantLease(Duration.ofSeconds(30));
        assertThat(lease.ttl()).isEqualTo(Duration.ofSeconds(30));
        gw.put(dir + "leased", b("v"), lease);
        assertThat(grpc.get(dir + "leased").orElseThrow().leaseId()).isEqualTo(lease.id());
        assertThat(gw.timeToLive(lease)).hasValueSatisfying(d -> assertThat(d).isPositive());
        gw.revokeLease(lease);
        assertThat(grpc.get(dir + "leased")).isEmpty();
        assertThat(gw.timeToLive(lease)).isEmpty();
        gw.revokeLease(lease); // unknown lease: not an error
    }

    @Test
    void anEndpointThatRefusesIsSkipped() throws Exception {
        int dead = LoopbackPorts.unused();
        List<String> eps = List.of("http://127.0.0.1:" + dead, etcd.endpoints().getFirst());
        try (EtcdGatewayDatastore s = EtcdGatewayDatastore.connect(StoreOptions.of(eps))) {
            s.put(dir + "failover", b("ok"));
            assertThat(grpc.get(dir + "failover").orElseThrow().valueUtf8()).isEqualTo("ok");
        }
    }

    @Test
    void unreachableEtcdIsTryAgainAndNamesTheEndpoint() throws Exception {
        int port = LoopbackPorts.unused();
        assertThatThrownBy(() -> EtcdGatewayDatastore.connect(StoreOptions.of(List.of("http://127.0.0.1:" + port))
                .withTimeouts(Duration.ofMillis(800), Duration.ofMillis(800))))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.tryAgain()).as(e.getMessage()).isTrue();
                    assertThat(e.getMessage()).contains("127.0.0.1:" + port);
                });
    }

    @Test
    void aClosedStoreSaysSo() {
        EtcdGatewayDatastore s = EtcdGatewayDatastore.connect(StoreOptions.of(etcd.endpoints()));
        s.close();
        assertThatThrownBy(() -> s.get(dir + "a")).isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.CLOSED));
    }

    @Test
    void watchSeesWhatJetcdWritesAndKeepAliveKeepsWhatJetcdSees() {
        java.util.List<WatchEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        Lease lease = grpc.grantLease(Duration.ofSeconds(2));
        try (Watch w = gw.watch(dir, 0, events::add); KeepAlive ka = gw.keepAlive(lease, (l, why) -> { })) {
            long r1 = grpc.put(dir + "w", b("1"));
            grpc.put(dir + "leased", b("kept"), lease);
            long r3 = grpc.delete(dir + "w") ? grpc.currentRevision() : -1;
            dev.viaduct.testsupport.Poll.until("three events", Duration.ofSeconds(10), () -> events.size() == 3);
            assertThat(events.get(0)).isEqualTo(new WatchEvent.Put(grpc.list(dir).kvs().stream()
                    .filter(kv -> kv.key().equals(dir + "leased")).findFirst().map(kv -> events.get(0)).map(e -> ((WatchEvent.Put) e).kv())
                    .orElseThrow()));
            assertThat(events.get(0).revision()).isEqualTo(r1);
            assertThat(events.get(2)).isEqualTo(new WatchEvent.Delete(dir + "w", r3));
            assertThat(w.lastRevision()).isEqualTo(r3);
            // three TTLs later the kept-alive lease and its key are still there (etcd's answer, read through jetcd)
            Lease control = grpc.grantLease(Duration.ofSeconds(2));
            dev.viaduct.testsupport.Poll.until("an un-kept lease expired", Duration.ofSeconds(15), () -> grpc.timeToLive(control).isEmpty());
            assertThat(ka.alive()).isTrue();
            assertThat(grpc.get(dir + "leased")).isPresent();
        }
    }
}
