package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.testsupport.Netns;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Batched link deletion in throw-away namespaces: host ends here, peers in a second namespace, as a node's pods. */
@Tag("root")
class LinkDeleterKernelTest {
    @RegisterExtension
    final Netns netns = Netns.perTest();

    private NetNamespace host;
    private NetNamespace pods;
    private Rtnl rtnl;
    private Rtnl podRtnl;
    private LinkDeleter deleter;

    @BeforeEach
    void setUp() {
        Netns.requireRoot();
        host = NetNamespace.open(Netns.path(netns.create("deleter")));
        pods = NetNamespace.open(Netns.path(netns.create("deleter-pods")));
        rtnl = host.openRtnl();
        podRtnl = pods.openRtnl();
        deleter = new LinkDeleter(host);
    }

    @AfterEach
    void tearDown() {
        for (AutoCloseable c : new AutoCloseable[] {deleter, podRtnl, rtnl, pods, host}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // the namespaces go with Netns whatever happens here
                }
            }
        }
    }

    private List<String> pairs(String prefix, int n) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = prefix + i;
            rtnl.addLink(LinkSpec.veth(LinkSettings.named(name).withUp(true), LinkSettings.named("p" + name).inNamespace(pods)));
            names.add(name);
        }
        return names;
    }

    @Test
    void aBatchDeletesItsLinksAndTheirPeersAndLeavesEveryOtherLinkAlone() {
        List<String> doomed = pairs("d", 20);
        List<String> kept = pairs("k", 2);
        // a link already in the group a batch would start with, and one in a small group: neither may go
        rtnl.updateLink(rtnl.link("k0").orElseThrow().index(), LinkUpdate.none().withGroup(LinkDeleter.FIRST_GROUP));
        rtnl.updateLink(rtnl.link("k1").orElseThrow().index(), LinkUpdate.none().withGroup(7));
        List<String> asked = new ArrayList<>(doomed);
        asked.add("missing0");
        asked.add(doomed.getFirst()); // the same link twice: both answers are "deleted"

        List<NetlinkException> outcomes = deleter.deleteBatch(rtnl, asked);

        assertThat(outcomes).hasSize(asked.size()).containsOnlyNulls();
        List<String> left = rtnl.links().stream().map(Link::name).toList();
        assertThat(left).doesNotContainAnyElementsOf(doomed).containsAll(kept);
        assertThat(podRtnl.links().stream().map(Link::name).toList()).containsExactlyInAnyOrder("lo", "pk0", "pk1");
        assertThat(rtnl.link("k0").orElseThrow().group()).isEqualTo(LinkDeleter.FIRST_GROUP);
        assertThat(rtnl.link("k1").orElseThrow().group()).isEqualTo(7);
    }

    @Test
    void aBatchOfOneLinkOrOfMissingLinksDeletesWhatThereIs() {
        List<String> one = pairs("s", 1);

        assertThat(deleter.deleteBatch(rtnl, List.of("s0", "gone1", "gone2"))).containsOnlyNulls();
        assertThat(deleter.deleteBatch(rtnl, List.of("gone3"))).containsOnlyNulls();

        assertThat(rtnl.link(one.getFirst())).isEmpty();
    }

    @Test
    void manyCallersAtOnceAllReturnOnceTheirLinkIsGone() throws Exception {
        List<String> names = pairs("c", 60);
        List<Future<?>> calls = new ArrayList<>();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String n : names) {
                calls.add(callers.submit(() -> {
                    deleter.delete(n);
                    assertThat(rtnl.link(n)).as(n + " after its delete returned").isEmpty();
                    return null;
                }));
            }
            for (Future<?> f : calls) {
                f.get();
            }
        }
        assertThat(rtnl.links().stream().map(Link::name).toList()).containsExactly("lo");
        assertThat(podRtnl.links().stream().map(Link::name).toList()).containsExactly("lo");
    }

    @Test
    void aClosedDeleterRefusesNewWork() {
        deleter.close();

        assertThatThrownBy(() -> deleter.delete("x0")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aNameTheKernelWouldRefuseIsRefusedBeforeAnythingIsQueued() {
        assertThatThrownBy(() -> deleter.delete("a/b")).isInstanceOf(IllegalArgumentException.class);
    }
}
