package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.store.Keys;
import dev.viaduct.store.memory.MemoryDatastore;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeferredReleasesTest {
    static final Duration TIMEOUT = Duration.ofSeconds(1);
    @TempDir
    Path dir;
    final MemoryDatastore memory = new MemoryDatastore();
    final ManualClock clock = new ManualClock();
    final Ipam ipam = new Ipam(memory, new Keys("/deferred"), IpamConfig.defaults(), new FakeNodes().add("a", Map.of()), clock);

    @AfterEach
    void close() {
        memory.close();
    }

    DeferredReleases releases() throws Exception {
        return new DeferredReleases(ipam, memory, ReleaseJournal.open(dir.resolve("pending")), Duration.ofHours(1), clock);
    }

    @Test
    void aReleaseTheStoreCannotTakeIsRecordedAndCarriedOutOnceItAnswers() throws Exception {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        InetAddress a = ipam.assign("pod1", "a", true, false, Map.of()).ipv4().orElseThrow();
        DeferredReleases r = releases();
        memory.setUnavailable(true);
        assertThat(r.release("pod1", TIMEOUT)).isInstanceOfSatisfying(DeferredReleases.Outcome.Deferred.class,
                d -> assertThat(d.reason()).contains("unreachable"));
        assertThat(r.pending()).extracting(ReleaseJournal.Entry::handle).containsExactly("pod1");
        assertThat(r.retryNow()).as("store still away").isFalse();
        assertThat(r.deferredTotal()).isEqualTo(1);

        memory.setUnavailable(false);
        assertThat(r.retryNow()).isTrue();
        assertThat(r.pending()).isEmpty();
        assertThat(ipam.handle("pod1")).isEmpty();
        assertThat(ipam.blocks()).flatExtracting(Block::allocations).isEmpty();
        assertThat(r.carriedOutTotal()).isEqualTo(1);
        // the freed address is handed out again, and a later pass frees nothing
        ipam.assignStatic("pod2", "a", a, Map.of());
        assertThat(r.retryNow()).isTrue();
        assertThat(ipam.handle("pod2").orElseThrow().addresses()).containsExactly(a);
    }

    @Test
    void anAgentRestartedInBetweenCarriesOutWhatTheLastOneRecorded() throws Exception {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        ipam.assign("pod1", "a", true, false, Map.of());
        memory.setUnavailable(true);
        releases().release("pod1", TIMEOUT);
        memory.setUnavailable(false);
        DeferredReleases next = releases(); // a new agent on the same directory
        assertThat(next.owes("pod1")).isTrue();
        assertThat(next.retryNow()).isTrue();
        assertThat(ipam.handle("pod1")).isEmpty();
    }

    @Test
    void aHandleAssignedAgainSettlesItsOldDebtFirstAndKeepsItsNewAddress() throws Exception {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        ipam.assign("pod1", "a", true, false, Map.of());
        DeferredReleases r = releases();
        memory.setUnavailable(true);
        r.release("pod1", TIMEOUT);
        assertThatThrownBy(() -> r.settle("pod1")).isInstanceOfSatisfying(IpamException.class, e -> assertThat(e.tryAgain()).isTrue());
        memory.setUnavailable(false);
        r.settle("pod1"); // what an ADD of the same container does before assigning
        InetAddress now = ipam.assign("pod1", "a", true, false, Map.of()).ipv4().orElseThrow();
        assertThat(r.retryNow()).isTrue();
        assertThat(ipam.handle("pod1").orElseThrow().addresses()).containsExactly(now);
    }

    @Test
    void aReachableStoreReleasesAtOnce() throws Exception {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        InetAddress a = ipam.assign("pod1", "a", true, false, Map.of()).ipv4().orElseThrow();
        DeferredReleases r = releases();
        assertThat(r.release("pod1", TIMEOUT)).isEqualTo(new DeferredReleases.Outcome.Released(java.util.List.of(a)));
        assertThat(r.pending()).isEmpty();
    }
}
