package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.Keys;
import dev.viaduct.store.KubeNodeRecord;
import dev.viaduct.store.Lease;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Poll;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Reclaiming gone nodes' addresses on a real etcd: the grace period, comebacks, deletion, the lock, lost races. */
@Tag("etcd")
class EtcdReclaimTest {
    static final Duration GRACE = Duration.ofMinutes(10);
    static final AtomicInteger N = new AtomicInteger();
    static EtcdCluster etcd;
    static EtcdDatastore store;

    final Keys keys = new Keys("/reclaimtest/" + ProcessHandle.current().pid() + "-" + N.incrementAndGet());
    final ManualClock clock = new ManualClock();
    final Ipam ipam = ipam(store);

    @BeforeAll
    static void start() {
        etcd = EtcdCluster.start(1);
        store = EtcdDatastore.connect(StoreOptions.of(etcd.endpoints()));
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    Ipam ipam(Datastore s) {
        return new Ipam(s, keys, IpamConfig.defaults(), new NodesInStore(s, keys), clock);
    }

    void nodeUp(String node) {
        store.put(keys.node(node), "{}".getBytes(StandardCharsets.UTF_8));
    }

    void nodeDown(String node) {
        store.delete(keys.node(node));
    }

    String ip(Assignment a) {
        return IpAddresses.format(a.ipv4().orElseThrow());
    }

    @Test
    void aPodWhoseAgentIsDownForLessThanTheGracePeriodKeepsItsAddress() {
        ipam.createPool(Pool.of("10.50.0.0/24"));
        nodeUp("n1");
        Assignment pod = ipam.assign("net.pod1.eth0", "n1", true, false, Map.of());
        nodeDown("n1"); // the agent stopped; the pod lives on
        ReclaimReport first = ipam.reclaim(GRACE, false);
        assertThat(first.handles()).isEmpty();
        assertThat(first.nodes()).singleElement().satisfies(v -> {
            assertThat(v.gone()).isFalse();
            assertThat(v.reclaimableAt()).isEqualTo(clock.instant().plus(GRACE));
        });
        clock.advance(GRACE.minusSeconds(1));
        assertThat(ipam.reclaim(GRACE, false).handles()).isEmpty();
        assertThat(ipam.handle("net.pod1.eth0")).isPresent();
        assertThat(ipam.blocks()).singleElement().satisfies(b -> assertThat(b.affinity()).isEqualTo("n1"));

        clock.advance(Duration.ofSeconds(1));
        ReclaimReport after = ipam.reclaim(GRACE, false);
        assertThat(after.handles()).extracting(ReclaimReport.ReleasedHandle::handle).containsExactly("net.pod1.eth0");
        assertThat(after.addresses()).isEqualTo(1);
        assertThat(after.blocks()).singleElement().satisfies(b -> assertThat(b.deleted()).isTrue());
        assertThat(ipam.blocks()).isEmpty();
        assertThat(ipam.handles()).isEmpty();
        assertThat(pod.addresses()).hasSize(1);
    }

    @Test
    void aNodeThatComesBackBeforeTheGracePeriodKeepsEverythingAndStartsAFreshOneWhenItLeavesAgain() {
        ipam.createPool(Pool.of("10.50.0.0/24"));
        nodeUp("n1");
        ipam.assign("net.pod1.eth0", "n1", true, false, Map.of());
        nodeDown("n1");
        ipam.reclaim(GRACE, false); // marks the absence
        clock.advance(GRACE.minusMinutes(1));
        nodeUp("n1");
        assertThat(ipam.reclaim(GRACE, false).nodes()).isEmpty();
        clock.advance(Duration.ofMinutes(5));
        nodeDown("n1");
        ReclaimReport r = ipam.reclaim(GRACE, false);
        assertThat(r.handles()).isEmpty();
        assertThat(r.nodes()).singleElement().satisfies(v -> assertThat(v.reclaimableAt()).isEqualTo(clock.instant().plus(GRACE)));
        assertThat(ipam.handle("net.pod1.eth0")).isPresent();
    }

    @Test
    void aKubernetesDeletionReclaimsAtOnceButNotWhileTheNodeRecordExists() {
        ipam.createPool(Pool.of("10.50.0.0/24"));
        nodeUp("n1");
        nodeUp("n2");
        ipam.assign("net.a.eth0", "n1", true, false, Map.of());
        Assignment live = ipam.assign("net.b.eth0", "n2", true, false, Map.of());
        store.put(keys.kubeNode("n1"), "{\"name\":\"n1\",\"deleted\":true}".getBytes(StandardCharsets.UTF_8));
        assertThat(ipam.reclaim(GRACE, false).handles()).as("its agent still holds the record").isEmpty();
        nodeDown("n1");
        ReclaimReport r = ipam.reclaim(GRACE, false);
        assertThat(r.nodes()).singleElement().satisfies(v -> {
            assertThat(v.node()).isEqualTo("n1");
            assertThat(v.gone()).isTrue();
            assertThat(v.why()).contains("deleted as a Kubernetes Node");
        });
        assertThat(r.handles()).extracting(ReclaimReport.ReleasedHandle::handle).containsExactly("net.a.eth0");
        assertThat(ipam.handles()).extracting(Handle::id).containsExactly("net.b.eth0");
        assertThat(ipam.blocks()).singleElement().satisfies(b -> assertThat(b.allocation(live.ipv4().orElseThrow())).isPresent());
    }

    @Test
    void aKubernetesNodeWhoseAgentIsDownKeepsItsPodsAddressesPastTheGracePeriodUntilTheNodeIsDeleted() {
        ipam.createPool(Pool.of("10.50.0.0/24"));
        nodeUp("n1");
        ipam.assign("net.a.eth0", "n1", true, false, Map.of());
        store.put(keys.kubeNode("n1"), KubeNodeRecord.CODEC.encode(new KubeNodeRecord(Map.of("zone", "a"), false)));
        nodeDown("n1"); // its agent is down; Kubernetes still lists the Node, so its pods may run
        ipam.reclaim(GRACE, false);
        clock.advance(GRACE.plusMinutes(1));
        ReclaimReport r = ipam.reclaim(GRACE, false);
        assertThat(r.handles()).isEmpty();
        assertThat(r.nodes()).singleElement().satisfies(v -> assertThat(v.why()).contains("Kubernetes Node"));
        assertThat(store.list(keys.nodeAbsences()).kvs()).as("no absence mark for a listed node").isEmpty();
        store.put(keys.kubeNode("n1"), KubeNodeRecord.CODEC.encode(new KubeNodeRecord(Map.of("zone", "a"), true)));
        assertThat(ipam.reclaim(GRACE, false).handles()).extracting(ReclaimReport.ReleasedHandle::handle).containsExactly("net.a.eth0");
    }

    @Test
    void anOperatorReleaseRefusesANodeWithARecordUnlessForcedAndADryRunChangesNothing() {
        ipam.createPool(Pool.of("10.50.0.0/24"));
        nodeUp("n1");
        Assignment a = ipam.assign("net.a.eth0", "n1", true, false, Map.of());
        assertThatThrownBy(() -> ipam.releaseNode("n1", false, false)).isInstanceOf(IpamException.class)
                .hasMessageContaining("node n1 has a node record");
        ReclaimReport dry = ipam.releaseNode("n1", true, true);
        assertThat(dry.dryRun()).isTrue();
        assertThat(dry.handles()).singleElement().satisfies(h -> assertThat(h.addresses()).containsExactly(a.ipv4().orElseThrow()));
        assertThat(ipam.handles()).hasSize(1);
        ReclaimReport done = ipam.releaseNode("n1", true, false);
        assertThat(done.handles()).hasSize(1);
        assertThat(done.blocks()).singleElement().satisfies(b -> assertThat(b.deleted()).isTrue());
        assertThat(ipam.handles()).isEmpty();
        assertThat(ipam.blocks()).isEmpty();
    }

    /** Runs {@code race} (another writer) once, just before the first transaction {@code when} matches. */
    static final class RacingStore extends ForwardingDatastore {
        final AtomicBoolean raced = new AtomicBoolean();
        private final Predicate<Txn> when;
        private final Runnable race;

        RacingStore(Datastore inner, Predicate<Txn> when, Runnable race) {
            super(inner);
            this.when = when;
            this.race = race;
        }

        @Override
        public TxnResult txn(Txn txn) {
            if (when.test(txn) && raced.compareAndSet(false, true)) {
                race.run();
            }
            return inner.txn(txn);
        }
    }

    /** Node "gone" (record deleted) with one block and handle net.g.eth0; node "live" registered. */
    IpPrefix goneNodeWithOneBlock() {
        ipam.createPool(Pool.of("10.50.0.0/24").withBlockSize(26));
        nodeUp("gone");
        nodeUp("live");
        ipam.assign("net.g.eth0", "gone", true, false, Map.of());
        nodeDown("gone");
        return ipam.blocks().getFirst().cidr();
    }

    boolean writes(Txn txn, String key) {
        return txn.then().stream().anyMatch(op -> op instanceof Txn.Op.Put p && p.key().equals(key)
                || op instanceof Txn.Op.Delete d && d.key().equals(key));
    }

    @Test
    void aBlockThatChangesBetweenReadAndWriteIsNotClobbered() {
        IpPrefix block = goneNodeWithOneBlock();
        Ipam intruder = ipam(store);
        // a live node takes an address of the gone node's block after the reclaimer read it
        RacingStore racing = new RacingStore(store, txn -> writes(txn, keys.block(block.toString())),
                () -> intruder.assignStatic("net.live.eth0", "live", block.addressAt(10), Map.of()));
        Ipam reclaiming = ipam(racing);
        ReclaimReport first = reclaiming.reclaim(Duration.ZERO, false);
        assertThat(racing.raced).isTrue();
        assertThat(first.handles()).isEmpty();
        assertThat(first.skipped()).anySatisfy(s -> assertThat(s).contains("net.g.eth0").contains("changed since read"));
        assertThat(ipam.handle("net.g.eth0")).isPresent();
        assertThat(ipam.blocks().getFirst().allocation(block.addressAt(10))).isPresent();

        ReclaimReport second = reclaiming.reclaim(Duration.ZERO, false);
        assertThat(second.handles()).extracting(ReclaimReport.ReleasedHandle::handle).containsExactly("net.g.eth0");
        assertThat(second.blocks()).containsExactly(new ReclaimReport.ReleasedBlock(block, "gone", false, 1));
        Block left = ipam.blocks().getFirst();
        assertThat(left.affinity()).isNull();
        assertThat(left.allocations()).extracting(Block.Allocation::handle).containsExactly("net.live.eth0");
        assertThat(ipam.handle("net.live.eth0")).isPresent();
    }

    @Test
    void anEmptyBlockThatGetsAnAllocationBeforeItsDeleteIsKept() {
        IpPrefix block = goneNodeWithOneBlock();
        ipam.releaseByHandle("net.g.eth0"); // the block stays, empty and affine
        Ipam intruder = ipam(store);
        RacingStore racing = new RacingStore(store, txn -> writes(txn, keys.block(block.toString())),
                () -> intruder.assignStatic("net.live.eth0", "live", block.addressAt(3), Map.of()));
        ReclaimReport r = ipam(racing).reclaim(Duration.ZERO, false);
        assertThat(racing.raced).isTrue();
        assertThat(r.blocks()).isEmpty();
        assertThat(r.skipped()).containsExactly("block " + block + " of node gone: changed since read");
        assertThat(ipam.blocks()).singleElement().satisfies(b ->
                assertThat(b.allocations()).extracting(Block.Allocation::handle).containsExactly("net.live.eth0"));
    }

    @Test
    void aNodeThatReturnsAndLeavesBetweenTwoPassesStartsANewGracePeriod() {
        ipam.createPool(Pool.of("10.50.0.0/24"));
        nodeUp("n1");
        ipam.assign("net.a.eth0", "n1", true, false, Map.of());
        nodeDown("n1");
        store.put(keys.nodeAbsence("n1"), "{\"node\":\"n1\",\"since\":\"2020-01-01T00:00:00Z\"}".getBytes(StandardCharsets.UTF_8));
        try (Reclaimer r = new Reclaimer(store, keys, ipam(store), "a", GRACE, Duration.ofHours(1), Duration.ofSeconds(5), x -> {
        }).start()) {
            Poll.until("the first pass ran", Duration.ofSeconds(10), () -> r.passes() == 1);
            assertThat(ipam.handle("net.a.eth0")).as("taking the lock forgot the old mark").isPresent();
            assertThat(store.get(keys.nodeAbsence("n1"))).as("the first pass marked it anew").isPresent();
            nodeUp("n1"); // back and gone again before the next pass: only the watch sees it
            nodeDown("n1");
            Poll.until("the mark is gone", Duration.ofSeconds(10), () -> store.get(keys.nodeAbsence("n1")).isEmpty());
            assertThat(r.passes()).isEqualTo(1);
        }
    }

    @Test
    void onlyTheLockHolderRunsPassesAndAnotherTakesOverWhenItsLeaseEnds() throws Exception {
        List<ReclaimReport> reportsA = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Reclaimer a = new Reclaimer(store, keys, ipam(store), "a", GRACE, Duration.ofMillis(100), Duration.ofSeconds(2), reportsA::add)
                .start()) {
            Poll.until("a holds the lock", Duration.ofSeconds(10), a::holding);
            try (Reclaimer b = new Reclaimer(store, keys, ipam(store), "b", GRACE, Duration.ofMillis(100), Duration.ofSeconds(2), r -> {
            }).start()) {
                long before = a.passes();
                Poll.until("a runs passes", Duration.ofSeconds(10), () -> a.passes() >= before + 5);
                assertThat(b.holding()).isFalse();
                assertThat(b.passes()).isZero();
                assertThat(store.get(keys.reclaimerLock()).orElseThrow().valueUtf8()).isEqualTo("a");

                Lease lease = a.lease().orElseThrow();
                store.revokeLease(lease); // a's lease ends (as when its agent dies): the lock goes with it
                Poll.until("b takes over", Duration.ofSeconds(10), () -> b.holding() && b.passes() > 0);
                Poll.until("a notices", Duration.ofSeconds(10), () -> !a.holding());
                assertThat(store.get(keys.reclaimerLock()).orElseThrow().valueUtf8()).isEqualTo("b");
                long aPasses = a.passes();
                long bPasses = b.passes();
                Poll.until("b keeps running passes", Duration.ofSeconds(10), () -> b.passes() >= bPasses + 3);
                assertThat(a.passes()).isEqualTo(aPasses);
            }
        }
        assertThat(reportsA).isNotEmpty();
        assertThat(store.get(keys.reclaimerLock())).as("closing revokes the lock").isEmpty();
    }
}
