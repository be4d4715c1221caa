package dev.viaduct.agent.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.cni.spec.CniErrorCode;
import dev.viaduct.cni.spec.CniException;
import dev.viaduct.ipam.DeferredReleases;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.ipam.Pool;
import dev.viaduct.ipam.ReleaseJournal;
import dev.viaduct.store.Keys;
import dev.viaduct.store.memory.MemoryDatastore;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CNI side of a datastore outage: ADD says "try again" and why, DEL succeeds and owes the release. */
class IpamAllocatorTest {
    @TempDir
    Path dir;
    final MemoryDatastore memory = new MemoryDatastore();
    final Ipam ipam = new Ipam(memory, new Keys("/alloc"));

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void anOutageFailsAddWithCode11AndReasonButNotDel() throws Exception {
        memory.put(new Keys("/alloc").node("n1"), "{\"name\":\"n1\"}".getBytes());
        ipam.createPool(Pool.of("10.244.0.0/24"));
        DeferredReleases releases = new DeferredReleases(ipam, memory, ReleaseJournal.open(dir), Duration.ofHours(1),
                InstantSource.system());
        IpamAllocator a = new IpamAllocator(ipam, "n1", memory, releases);
        List<InetAddress> held = a.assign("net.c1.eth0", true, false, List.of(), Map.of());
        assertThat(held).hasSize(1);

        memory.setUnavailable(true);
        assertThatThrownBy(() -> a.assign("net.c2.eth0", true, false, List.of(), Map.of()))
                .isInstanceOfSatisfying(CniException.class, e -> {
                    assertThat(e.code()).isEqualTo(CniErrorCode.TRY_AGAIN_LATER);
                    assertThat(e.getMessage()).contains("datastore (etcd) is unreachable");
                    assertThat(e.details()).contains("memory datastore set unavailable");
                });
        assertThat(a.release("net.c1.eth0")).as("deferred: nothing released yet").isEmpty();
        assertThat(releases.owes("net.c1.eth0")).isTrue();
        assertThat(a.unavailableReason()).contains("datastore unreachable");

        memory.setUnavailable(false);
        assertThat(a.assign("net.c2.eth0", true, false, List.of(), Map.of())).as("the next ADD works").hasSize(1);
        assertThat(releases.retryNow()).isTrue();
        assertThat(ipam.handle("net.c1.eth0")).isEmpty();
        assertThat(ipam.check().consistent()).isTrue();
    }
}
