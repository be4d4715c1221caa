package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ipam.ReclaimDecision.BlockStep;
import dev.viaduct.ipam.ReclaimDecision.HandleStep;
import dev.viaduct.ipam.ReclaimDecision.Plan;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure rule "what to reclaim from this snapshot". */
class ReclaimDecisionTest {
    static final Instant NOW = Instant.parse("2026-01-01T01:00:00Z");
    static final Duration GRACE = Duration.ofMinutes(10);

    static Block.Allocation alloc(String ip, String handle, String node) {
        return new Block.Allocation(IpAddresses.parse(ip), handle, node);
    }

    static Versioned<Block> block(String cidr, String affinity, Block.Allocation... allocs) {
        return new Versioned<>(new Block(IpPrefix.parseNetwork(cidr), affinity, List.of(allocs), 0), 7);
    }

    static Versioned<Handle> handle(String id, String node, String... ips) {
        return new Versioned<>(new Handle(id, node, List.of(ips).stream().map(IpAddresses::parse).toList(), Map.of(), NOW), 9);
    }

    static Plan decide(List<Versioned<Block>> blocks, List<Versioned<Handle>> handles, Map<String, NodeState> nodes) {
        return ReclaimDecision.decide(blocks, handles, nodes, NOW, GRACE);
    }

    final List<Versioned<Block>> blocks = List.of(
            block("10.0.0.0/26", "gone", alloc("10.0.0.1", "h1", "gone"), alloc("10.0.0.2", "h2", "live")),
            block("10.0.0.64/26", "gone"),
            block("10.0.0.128/26", "live", alloc("10.0.0.129", "h3", "live"), alloc("10.0.0.130", "h4", "gone")));
    final List<Versioned<Handle>> handles = List.of(handle("h1", "gone", "10.0.0.1"), handle("h2", "live", "10.0.0.2"),
            handle("h3", "live", "10.0.0.129"), handle("h4", "gone", "10.0.0.130"));

    @Test
    void aNodeAbsentLongerThanTheGracePeriodLosesItsHandlesAndItsBlocksButNotBorrowedAddresses() {
        Plan p = decide(blocks, handles, Map.of("gone", new NodeState.Absent(NOW.minus(GRACE)), "live", new NodeState.Present()));
        assertThat(p.gone()).containsOnlyKeys("gone");
        assertThat(p.handles()).extracting(HandleStep::handle).containsExactly("h1", "h4");
        assertThat(p.handles().get(1).blocks()).containsExactly(IpPrefix.parseNetwork("10.0.0.128/26"));
        assertThat(p.handles().getFirst().record().revision()).isEqualTo(9);
        assertThat(p.blocks()).containsExactly(
                new BlockStep(IpPrefix.parseNetwork("10.0.0.0/26"), "gone", false, 1),
                new BlockStep(IpPrefix.parseNetwork("10.0.0.64/26"), "gone", true, 0));
    }

    @Test
    void aNodeKubernetesStillListsIsKeptHoweverLongItsRecordIsAbsent() {
        Plan p = decide(blocks, handles, Map.of("gone", new NodeState.Listed(), "live", new NodeState.Present()));
        assertThat(p.gone()).isEmpty();
        assertThat(p.handles()).isEmpty();
        assertThat(p.blocks()).isEmpty();
        assertThat(p.verdicts()).singleElement().satisfies(v -> {
            assertThat(v.gone()).isFalse();
            assertThat(v.why()).contains("Kubernetes Node");
        });
    }

    @Test
    void withinTheGracePeriodNothingGoesAndTheVerdictSaysWhen() {
        Instant since = NOW.minus(GRACE).plusSeconds(1);
        Plan p = decide(blocks, handles, Map.of("gone", new NodeState.Absent(since)));
        assertThat(p.gone()).isEmpty();
        assertThat(p.handles()).isEmpty();
        assertThat(p.blocks()).isEmpty();
        assertThat(p.verdicts()).singleElement().satisfies(v -> {
            assertThat(v.node()).isEqualTo("gone");
            assertThat(v.gone()).isFalse();
            assertThat(v.reclaimableAt()).isEqualTo(since.plus(GRACE));
        });
    }

    @Test
    void anExplicitDeletionNeedsNoGracePeriod() {
        Plan p = decide(blocks, handles, Map.of("gone", new NodeState.Deleted(3)));
        assertThat(p.gone()).containsOnlyKeys("gone");
        assertThat(p.handles()).extracting(HandleStep::handle).containsExactly("h1", "h4");
    }

    @Test
    void aNodeWithARecordOrWithoutAStateIsNeverGone() {
        assertThat(decide(blocks, handles, Map.of("gone", new NodeState.Present())).handles()).isEmpty();
        Plan unknown = decide(blocks, handles, Map.of());
        assertThat(unknown.gone()).isEmpty();
        assertThat(unknown.verdicts()).isEmpty();
    }

    @Test
    void aHandleWithoutRecordBelongsToTheNodeThatAllocatedAllOfItsAddresses() {
        List<Versioned<Block>> bs = List.of(block("10.0.0.0/26", "live", alloc("10.0.0.5", "orphan", "gone"),
                alloc("10.0.0.6", "mixed", "gone"), alloc("10.0.0.7", "mixed", "live")));
        Plan p = decide(bs, List.of(), Map.of("gone", new NodeState.Released(0)));
        assertThat(p.handles()).singleElement().satisfies(h -> {
            assertThat(h.handle()).isEqualTo("orphan");
            assertThat(h.record()).isNull();
            assertThat(h.addresses()).containsExactly(IpAddresses.parse("10.0.0.5"));
        });
        assertThat(p.blocks()).isEmpty();
    }

    @Test
    void aHandleRecordedForALiveNodeStaysEvenIfAGoneNodeAllocatedItsAddress() {
        List<Versioned<Block>> bs = List.of(block("10.0.0.0/26", "gone", alloc("10.0.0.5", "moved", "gone")));
        Plan p = decide(bs, List.of(handle("moved", "live", "10.0.0.5")), Map.of("gone", new NodeState.Deleted(1)));
        assertThat(p.handles()).isEmpty();
        assertThat(p.blocks()).containsExactly(new BlockStep(IpPrefix.parseNetwork("10.0.0.0/26"), "gone", false, 1));
    }

    @Test
    void givingBackABlockKeepsBorrowedAddressesAndWaitsForTheNodesOwn() {
        Block empty = block("10.0.0.0/26", "gone").value();
        Block borrowed = block("10.0.0.0/26", "gone", alloc("10.0.0.2", "h2", "live")).value();
        Block own = block("10.0.0.0/26", "gone", alloc("10.0.0.1", "h1", "gone")).value();
        assertThat(ReclaimDecision.giveBack(empty, "gone")).isNull();
        assertThat(ReclaimDecision.giveBack(borrowed, "gone")).isEqualTo(borrowed.withAffinity(null));
        assertThat(ReclaimDecision.giveBack(own, "gone")).isSameAs(own);
    }
}
