package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Poll;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * IPAM semantics, run on the in-memory store ({@link MemoryIpamTest}) and on a real etcd
 * ({@link EtcdIpamTest}). Each test works under its own key prefix.
 */
abstract class IpamContract {
    private static final java.util.concurrent.atomic.AtomicInteger N = new java.util.concurrent.atomic.AtomicInteger();

    abstract Datastore store();

    final Datastore store = store();
    final Keys keys = new Keys("/ipamtest/" + getClass().getSimpleName() + "-" + ProcessHandle.current().pid() + "-" + N.incrementAndGet());
    final ManualClock clock = new ManualClock();
    final FakeNodes nodes = new FakeNodes().add("a", Map.of("rack", "r1")).add("b", Map.of("rack", "r2")).add("c", Map.of());

    Ipam ipam(IpamConfig config) {
        return new Ipam(store, keys, config, nodes, clock);
    }

    final Ipam ipam = ipam(IpamConfig.defaults());

    static InetAddress ip(String s) {
        return IpAddresses.parse(s);
    }

    static void assertIpam(ThrowingCallable call, IpamException.Reason reason, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(IpamException.class, e -> {
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.getMessage()).contains(message);
        });
    }

    @Test
    void assignsFromTheNodesAffineBlockInOneRoundTrip() {
        ipam.createPool(Pool.of("10.244.0.0/16"));
        Assignment first = ipam.assign("net.c1.eth0", "a", true, false, Map.of("pod", "default/p1"));
        IpPrefix block = first.addresses().getFirst().block();
        assertThat(block.length()).isEqualTo(26);
        assertThat(block.contains(first.ipv4().orElseThrow())).isTrue();
        assertThat(first.addresses().getFirst().borrowed()).isFalse();

        long before = ipam.stats().assignRoundTrips();
        Assignment second = ipam.assign("net.c2.eth0", "a", true, false, Map.of());
        assertThat(ipam.stats().assignRoundTrips() - before).as("warm cache: one transaction").isEqualTo(1);
        assertThat(second.addresses().getFirst().block()).isEqualTo(block);
        assertThat(second.ipv4()).isNotEqualTo(first.ipv4());

        Block stored = ipam.blocks().getFirst();
        assertThat(stored.affineNode()).contains("a");
        assertThat(stored.allocations()).extracting(Block.Allocation::handle).containsExactlyInAnyOrder("net.c1.eth0", "net.c2.eth0");
        assertThat(ipam.handle("net.c1.eth0").orElseThrow().attributes()).containsEntry("pod", "default/p1");
    }

    @Test
    void assignIsIdempotentPerHandle() {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        Assignment a = ipam.assign("h1", "a", true, false, Map.of());
        Assignment again = ipam.assign("h1", "a", true, false, Map.of());
        assertThat(again.ipv4()).isEqualTo(a.ipv4());
        assertThat(ipam.blocks().getFirst().allocations()).hasSize(1);
        assertIpam(() -> ipam.assign("h1", "b", true, false, Map.of()), IpamException.Reason.INVALID, "allocated by node a");
    }

    @Test
    void claimsANewBlockWhenTheAffineOnesAreFull() {
        ipam.createPool(Pool.of("10.244.0.0/24").withBlockSize(30));
        Set<IpPrefix> blocksUsed = new HashSet<>();
        for (int i = 0; i < 9; i++) {
            blocksUsed.add(ipam.assign("h" + i, "a", true, false, Map.of()).addresses().getFirst().block());
        }
        assertThat(blocksUsed).hasSize(3);
        assertThat(ipam.blocks()).allSatisfy(b -> assertThat(b.affineNode()).contains("a"));
        assertThat(ipam.stats().blocksClaimed()).isEqualTo(3);
    }

    @Test
    void borrowsFromAnotherNodesBlockWhenNoBlockIsLeft() {
        ipam.createPool(Pool.of("10.244.0.0/29").withBlockSize(30)); // two blocks of 4
        Ipam b = ipam(IpamConfig.defaults());
        for (int i = 0; i < 4; i++) {
            ipam.assign("a" + i, "a", true, false, Map.of());
        }
        b.assign("b0", "b", true, false, Map.of());
        Assignment borrowed = ipam.assign("a4", "a", true, false, Map.of());
        assertThat(borrowed.addresses().getFirst().borrowed()).isTrue();
        Block bBlock = ipam.blocks().stream().filter(x -> "b".equals(x.affinity())).findFirst().orElseThrow();
        assertThat(bBlock.borrowed()).extracting(Block.Allocation::node, Block.Allocation::handle)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", "a4"));
        assertThat(ipam.stats().borrowed()).isEqualTo(1);
    }

    @Test
    void strictAffinityNeverBorrowsAndSaysSo() {
        Ipam strict = ipam(IpamConfig.defaults().withStrictAffinity(true));
        strict.createPool(Pool.of("10.244.0.0/29").withBlockSize(30));
        for (int i = 0; i < 4; i++) {
            strict.assign("a" + i, "a", true, false, Map.of());
        }
        ipam(IpamConfig.defaults()).assign("b0", "b", true, false, Map.of());
        assertIpam(() -> strict.assign("a4", "a", true, false, Map.of()), IpamException.Reason.EXHAUSTED,
                "strict affinity: no borrowing");
    }

    @Test
    void exhaustionIsAClearError() {
        ipam.createPool(Pool.of("10.244.0.0/30").withBlockSize(30));
        for (int i = 0; i < 4; i++) {
            ipam.assign("h" + i, "a", true, false, Map.of());
        }
        assertIpam(() -> ipam.assign("h4", "b", true, false, Map.of()), IpamException.Reason.EXHAUSTED,
                "no free IPv4 address: every block of pools [10.244.0.0/30] is claimed and full");
        assertIpam(() -> ipam.assign("h5", "b", false, true, Map.of()), IpamException.Reason.EXHAUSTED, "no enabled IPv6 pool");
        assertThat(ipam.stats().exhausted()).isEqualTo(2);
        // freeing one makes room again
        ipam.releaseByHandle("h2");
        assertThat(ipam.assign("h4", "b", true, false, Map.of()).ipv4()).isPresent();
    }

    @Test
    void dualStackGivesOneOfEachFamily() {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        ipam.createPool(Pool.of("fd00:10:244::/64"));
        Assignment a = ipam.assign("h", "a", true, true, Map.of());
        assertThat(a.addresses()).hasSize(2);
        assertThat(a.ipv4().orElseThrow().getHostAddress()).startsWith("10.244.0.");
        IpPrefix v6block = a.addresses().stream().filter(x -> !x.address().equals(a.ipv4().get())).findFirst().orElseThrow().block();
        assertThat(v6block.length()).isEqualTo(122);
        assertThat(ipam.handle("h").orElseThrow().addresses()).containsExactlyInAnyOrder(a.ipv4().get(), a.ipv6().get());
        // asking again for v4+v6 returns the same pair; adding v6 to a v4-only handle allocates only v6
        assertThat(ipam.assign("h", "a", true, true, Map.of())).isEqualTo(a);
        Assignment v4only = ipam.assign("g", "a", true, false, Map.of());
        Assignment both = ipam.assign("g", "a", true, true, Map.of());
        assertThat(both.ipv4()).isEqualTo(v4only.ipv4());
        assertThat(both.ipv6()).isPresent();
        assertThat(ipam.releaseByHandle("h")).containsExactlyInAnyOrder(a.ipv4().get(), a.ipv6().get());
    }

    @Test
    void staticAddressesWithClearErrors() {
        ipam.createPool(Pool.of("10.244.0.0/24").withReserved(List.of(IpPrefix.parseNetwork("10.244.0.128/25"))));
        Assignment s = ipam.assignStatic("web", "a", ip("10.244.0.5"), Map.of());
        assertThat(s.ipv4()).contains(ip("10.244.0.5"));
        assertThat(ipam.assignStatic("web", "a", ip("10.244.0.5"), Map.of())).isEqualTo(s); // idempotent
        assertIpam(() -> ipam.assignStatic("other", "b", ip("10.244.0.5"), Map.of()), IpamException.Reason.ADDRESS_TAKEN,
                "10.244.0.5 is already assigned to handle web");
        assertIpam(() -> ipam.assignStatic("x", "a", ip("10.9.9.9"), Map.of()), IpamException.Reason.NOT_IN_POOL,
                "10.9.9.9 is not in any pool");
        assertIpam(() -> ipam.assignStatic("x", "a", ip("10.244.0.200"), Map.of()), IpamException.Reason.RESERVED,
                "10.244.0.200 is reserved in pool 10.244.0.0/24");
        assertIpam(() -> ipam.assignStatic("web", "a", ip("10.244.0.6"), Map.of()), IpamException.Reason.INVALID,
                "already holds 10.244.0.5");
        // automatic assignment skips the static address
        Set<InetAddress> seen = new HashSet<>();
        for (int i = 0; i < 63; i++) {
            seen.add(ipam.assign("p" + i, "a", true, false, Map.of()).ipv4().orElseThrow());
        }
        assertThat(seen).hasSize(63).doesNotContain(ip("10.244.0.5"));
    }

    @Test
    void reservedAddressesAreNeverHandedOut() {
        ipam.createPool(Pool.of("10.244.0.0/28").withBlockSize(28)
                .withReserved(List.of(IpPrefix.parseNetwork("10.244.0.0/30"), IpPrefix.parseNetwork("10.244.0.9/32"))));
        Set<InetAddress> got = new HashSet<>();
        while (true) {
            try {
                got.add(ipam.assign("h" + got.size(), "a", true, false, Map.of()).ipv4().orElseThrow());
            } catch (IpamException e) {
                assertThat(e.reason()).isEqualTo(IpamException.Reason.EXHAUSTED);
                break;
            }
        }
        assertThat(got).hasSize(16 - 5).doesNotContain(ip("10.244.0.0"), ip("10.244.0.1"), ip("10.244.0.2"),
                ip("10.244.0.3"), ip("10.244.0.9"));
    }

    @Test
    void releaseByHandleIsIdempotentAndReleaseByAddressKeepsTheRest() {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        ipam.createPool(Pool.of("fd00::/120").withBlockSize(122));
        Assignment a = ipam.assign("h", "a", true, true, Map.of());
        assertThat(ipam.releaseAddress(a.ipv4().orElseThrow())).contains("h");
        assertThat(ipam.handle("h").orElseThrow().addresses()).containsExactly(a.ipv6().orElseThrow());
        assertThat(ipam.releaseAddress(a.ipv4().orElseThrow())).isEmpty();
        assertThat(ipam.releaseByHandle("h")).containsExactly(a.ipv6().orElseThrow());
        assertThat(ipam.releaseByHandle("h")).isEmpty();
        assertThat(ipam.handles()).isEmpty();
        assertThat(ipam.blocks()).allSatisfy(b -> assertThat(b.allocations()).isEmpty());
        assertIpam(() -> ipam.releaseAddress(ip("192.0.2.1")), IpamException.Reason.NOT_IN_POOL, "192.0.2.1 is not in any pool");
    }

    @Test
    void justReleasedAddressIsNotHandedStraightOut() {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        InetAddress first = ipam.assign("h1", "a", true, false, Map.of()).ipv4().orElseThrow();
        ipam.releaseByHandle("h1");
        assertThat(ipam.assign("h2", "a", true, false, Map.of()).ipv4().orElseThrow()).isNotEqualTo(first);
    }

    @Test
    void releaseAffinityDeletesEmptyBlocksAndUnsetsUsedOnesForAGoneNode() {
        ipam.createPool(Pool.of("10.244.0.0/24").withBlockSize(30));
        for (int i = 0; i < 5; i++) {
            ipam.assign("h" + i, "a", true, false, Map.of());
        }
        for (int i = 0; i < 4; i++) {
            ipam.releaseByHandle("h" + i); // the first block is now empty
        }
        assertThat(ipam.blocks()).hasSize(2);
        List<IpPrefix> released = ipam.releaseAffinity("a", false);
        assertThat(released).hasSize(1);
        assertThat(ipam.blocks()).hasSize(1).allSatisfy(b -> assertThat(b.affinity()).isEqualTo("a"));
        assertThat(ipam.releaseAffinity("a", true)).hasSize(1);
        Block orphaned = ipam.blocks().getFirst();
        assertThat(orphaned.affineNode()).isEmpty();
        assertThat(orphaned.allocations()).extracting(Block.Allocation::handle).containsExactly("h4");
        // its last address going deletes the unowned block
        ipam.releaseByHandle("h4");
        assertThat(ipam.blocks()).isEmpty();
    }

    @Test
    void disabledPoolsAndNodeSelectorsLimitAutomaticAssignment() {
        ipam.createPool(Pool.of("10.1.0.0/24").withNodeSelector("rack == 'r1'"));
        ipam.createPool(Pool.of("10.2.0.0/24").withDisabled(true));
        assertThat(ipam.assign("h", "a", true, false, Map.of()).ipv4().orElseThrow().getHostAddress()).startsWith("10.1.0.");
        assertIpam(() -> ipam.assign("g", "b", true, false, Map.of()), IpamException.Reason.EXHAUSTED,
                "no enabled IPv4 pool selects node b");
        // static addresses may come from a disabled pool
        assertThat(ipam.assignStatic("s", "b", ip("10.2.0.7"), Map.of()).ipv4()).contains(ip("10.2.0.7"));
        // disabling stops new allocations at once, even from the node's own block
        ipam.updatePool(ipam.pool(IpPrefix.parseNetwork("10.1.0.0/24")).orElseThrow().withDisabled(true));
        assertIpam(() -> ipam.assign("h2", "a", true, false, Map.of()), IpamException.Reason.EXHAUSTED, "no enabled IPv4 pool");
    }

    @Test
    void poolCrudRefusesOverlapsAndDeletingUsedPools() {
        Pool p = Pool.of("10.244.0.0/16").withOverlay(EncapMode.CROSS_SUBNET, EncapMode.NEVER, true);
        ipam.createPool(p);
        assertThat(ipam.pools()).containsExactly(p);
        KeyValue raw = store.get(keys.pool("10.244.0.0/16")).orElseThrow();
        assertThat(raw.valueUtf8()).contains("\"vxlanMode\":\"CrossSubnet\"").contains("\"ipipMode\":\"Never\"")
                .contains("\"natOutgoing\":true").contains("\"blockSize\":26");
        assertIpam(() -> ipam.createPool(Pool.of("10.244.3.0/24")), IpamException.Reason.POOL_CONFLICT,
                "pool 10.244.3.0/24 overlaps existing pool 10.244.0.0/16");
        ipam.assign("h", "a", true, false, Map.of());
        assertIpam(() -> ipam.updatePool(p.withBlockSize(28)), IpamException.Reason.POOL_CONFLICT, "blockSize cannot change");
        assertIpam(() -> ipam.deletePool(p.cidr()), IpamException.Reason.POOL_CONFLICT,
                "pool 10.244.0.0/16 still has 1 allocated addresses (handles [h])");
        ipam.releaseByHandle("h");
        ipam.deletePool(p.cidr());
        assertThat(ipam.pools()).isEmpty();
        assertThat(store.list(keys.blocks()).kvs()).isEmpty();
        assertIpam(() -> ipam.deletePool(p.cidr()), IpamException.Reason.NOT_FOUND, "does not exist");
    }

    @Test
    void badInputNamesTheField() {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        assertIpam(() -> ipam.assign("", "a", true, false, Map.of()), IpamException.Reason.INVALID, "handle must not be empty");
        assertIpam(() -> ipam.assign("a/b", "a", true, false, Map.of()), IpamException.Reason.INVALID, "handle 'a/b'");
        assertIpam(() -> ipam.assign("h", "bad node", true, false, Map.of()), IpamException.Reason.INVALID, "node 'bad node'");
        assertIpam(() -> ipam.assign("h", "a", false, false, Map.of()), IpamException.Reason.INVALID, "at least one of IPv4 and IPv6");
        assertIpam(() -> ipam.assign(new Ipam.AssignRequest("h", "a", true, false, Map.of(),
                List.of(IpPrefix.parse("10.244.0.1/24")))), IpamException.Reason.INVALID,
                "pools: 10.244.0.1/24: host bits are set (did you mean 10.244.0.0/24?)");
        assertThat(ipam.handles()).isEmpty();
        assertThat(ipam.blocks()).isEmpty();
        assertThatThrownBy(() -> Pool.of("10.244.0.1/24")).hasMessageContaining("host bits are set (did you mean 10.244.0.0/24?)");
        assertThatThrownBy(() -> Pool.of("10.244.0.0/24").withBlockSize(19)).hasMessageContaining("blockSize 19 out of range 20..32");
        assertThatThrownBy(() -> Pool.of("10.244.0.0/24").withNodeSelector("rack = 'x'"))
                .hasMessageContaining("nodeSelector 'rack = 'x''");
    }

    @Test
    void conflictsRetryBoundedThenSayTryAgain() {
        Datastore churning = new ChurningDatastore(store, keys.blocks());
        Ipam victim = new Ipam(churning, keys, IpamConfig.defaults().withMaxAttempts(5), nodes, clock);
        victim.createPool(Pool.of("10.244.0.0/24"));
        victim.assign("h0", "a", true, false, Map.of()); // creates the block (no compare on an existing one yet)
        ((ChurningDatastore) churning).churn = true;
        assertThatThrownBy(() -> victim.assign("h1", "a", true, false, Map.of()))
                .isInstanceOfSatisfying(IpamException.class, e -> {
                    assertThat(e.reason()).isEqualTo(IpamException.Reason.CONFLICT);
                    assertThat(e.tryAgain()).isTrue();
                    assertThat(e.getMessage()).contains("gave up after 5 attempts").contains("try again");
                });
        assertThat(victim.stats().conflicts()).isEqualTo(5);
        assertThat(victim.handle("h1")).isEmpty();
    }

    @Test
    void watchBlocksGivesASnapshotThenChanges() {
        ipam.createPool(Pool.of("10.244.0.0/24").withBlockSize(30));
        ipam.assign("h0", "a", true, false, Map.of());
        List<BlockEvent> events = new CopyOnWriteArrayList<>();
        try (var w = ipam.watchBlocks(events::add)) {
            assertThat(events.getFirst()).isInstanceOfSatisfying(BlockEvent.Snapshot.class,
                    s -> assertThat(s.blocks()).hasSize(1));
            ipam.assign("h1", "b", true, false, Map.of());
            Poll.until("update for b's block", Duration.ofSeconds(5), () -> events.size() >= 2);
            assertThat(events.get(1)).isInstanceOfSatisfying(BlockEvent.Updated.class,
                    u -> assertThat(u.block().affinity()).isEqualTo("b"));
            ipam.releaseByHandle("h1");
            ipam.releaseAffinity("b", false);
            Poll.until("removal", Duration.ofSeconds(5), () -> events.stream().anyMatch(e -> e instanceof BlockEvent.Removed));
        }
    }

    @Test
    void gcReleasesOnlyAfterTheGraceAndNeverALiveOrReassignedHandle() {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        ipam.assign("live", "a", true, false, Map.of());
        ipam.assign("leaked", "a", true, false, Map.of());
        ipam.assign("comesback", "a", true, false, Map.of());
        ipam.assign("other-node", "b", true, false, Map.of());
        Duration grace = Duration.ofMinutes(5);
        Set<String> live = Set.of("live");

        GcReport dry = ipam.gc(live, Optional.of("a"), grace, true);
        assertThat(dry.marked()).extracting(GcReport.Leak::handle).containsExactly("comesback", "leaked");
        assertThat(store.list(keys.gcSightings()).kvs()).as("dry run writes nothing").isEmpty();

        GcReport first = ipam.gc(live, Optional.of("a"), grace, false);
        assertThat(first.marked()).extracting(GcReport.Leak::handle).containsExactly("comesback", "leaked");
        assertThat(first.released()).isEmpty();
        assertThat(first.kept()).isEqualTo(1);

        clock.advance(Duration.ofMinutes(3));
        GcReport early = ipam.gc(live, Optional.of("a"), grace, false);
        assertThat(early.pending()).extracting(GcReport.Leak::handle).containsExactly("comesback", "leaked");
        assertThat(early.released()).isEmpty();

        ipam.assign("comesback", "a", true, false, Map.of()); // a retried ADD: the handle is in use again
        clock.advance(Duration.ofMinutes(3));
        GcReport wouldBe = ipam.gc(live, Optional.of("a"), grace, true);
        assertThat(wouldBe.released()).extracting(GcReport.Leak::handle).containsExactly("leaked");
        GcReport late = ipam.gc(live, Optional.of("a"), grace, false);
        assertThat(late.released()).extracting(GcReport.Leak::handle).containsExactly("leaked");
        assertThat(late.marked()).extracting(GcReport.Leak::handle).containsExactly("comesback");
        assertThat(ipam.handle("leaked")).isEmpty();
        assertThat(ipam.handle("live")).isPresent();
        assertThat(ipam.handle("comesback")).isPresent();
        assertThat(ipam.handle("other-node")).as("another node's handles are not this run's business").isPresent();
        assertThat(ipam.check().consistent()).isTrue();
    }

    @Test
    void checkFindsLeaksInconsistenciesAndStaleBlocksAndGcCleansTheLeaks() throws Exception {
        ipam.createPool(Pool.of("10.244.0.0/24").withBlockSize(28));
        for (int i = 0; i < 17; i++) {
            ipam.assign("h" + i, "a", true, false, Map.of()); // two blocks, the second nearly empty
        }
        ipam.assign("gone", "ghost", true, false, Map.of()); // node "ghost" is not in the directory
        // break things behind IPAM's back: drop one handle record, add a record for an unallocated address
        store.delete(keys.handle("h3"));
        store.put(keys.handle("phantom"), ("{\"handle\":\"phantom\",\"node\":\"a\",\"addresses\":[\"10.244.0.250\"],"
                + "\"assigned\":\"2026-01-01T00:00:00Z\"}").getBytes());
        CheckReport r = ipam(IpamConfig.defaults()).check();
        assertThat(r.addressesWithoutHandles()).extracting(CheckReport.Orphan::handle).containsExactly("h3");
        assertThat(r.handlesWithoutAddresses()).extracting(CheckReport.Missing::handle).containsExactly("phantom");
        assertThat(r.blocksOfMissingNodes()).hasSize(1);
        assertThat(r.mostlyEmptyBlocks()).extracting(CheckReport.Sparse::node, CheckReport.Sparse::used)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", 1));
        assertThat(r.consistent()).isFalse();

        Set<String> live = new HashSet<>();
        for (int i = 0; i < 17; i++) {
            live.add("h" + i);
        }
        live.remove("h3"); // its pod is gone too
        live.add("gone");
        GcReport zeroGrace = ipam.gc(live, Optional.empty(), Duration.ZERO, false);
        assertThat(zeroGrace.released()).extracting(GcReport.Leak::handle).containsExactlyInAnyOrder("h3", "phantom");
        assertThat(ipam.check().consistent()).isTrue();
    }

    @Test
    void gcNeverReleasesAnAddressThatIsReassignedWhileItRuns() {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        ipam.assign("x", "a", true, false, Map.of());
        ipam.gc(Set.of(), Optional.empty(), Duration.ofSeconds(1), false);
        clock.advance(Duration.ofSeconds(2));
        // between gc's reads and its release the handle is re-assigned: its revision moves, the release fails
        Datastore racing = new RaceOnFirstTxn(store, () -> ipam(IpamConfig.defaults()).assign("x", "a", true, false, Map.of()));
        Ipam gcInstance = new Ipam(racing, keys, IpamConfig.defaults(), nodes, clock);
        GcReport r = gcInstance.gc(Set.of(), Optional.empty(), Duration.ofSeconds(1), false);
        assertThat(r.released()).isEmpty();
        assertThat(r.skipped()).containsExactly("x");
        assertThat(ipam.handle("x")).isPresent();
        assertThat(ipam.check().consistent()).isTrue();
    }

    @Test
    void storedBlocksAreReadableJson() {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        ipam.assign("net.abc.eth0", "node-1", true, false, Map.of("k8s.pod", "default/web"));
        String json = store.list(keys.blocks()).kvs().getFirst().valueUtf8();
        assertThat(json).contains("\"affinity\":\"node-1\"").contains("\"handle\":\"net.abc.eth0\"").contains("\"node\":\"node-1\"");
        assertThat(store.list(keys.blocks()).kvs().getFirst().key()).isEqualTo(keys.prefix() + "/ipam/blocks/"
                + ipam.blocks().getFirst().cidr().toString().replace('/', '-'));
    }
}
