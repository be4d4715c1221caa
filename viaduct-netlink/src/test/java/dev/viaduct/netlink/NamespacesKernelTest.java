package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import dev.viaduct.testsupport.UniqueNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Named namespaces compatible with {@code ip netns}, handles by path and pid, and code run inside one. */
@Tag("root")
class NamespacesKernelTest {
    @RegisterExtension
    final Netns netns = Netns.perTest();

    /** Names this test created through the library; removed afterwards even if the test failed. */
    private final List<String> created = new ArrayList<>();

    private String newName() {
        Netns.requireRoot();
        String name = UniqueNames.namespace("lib");
        created.add(name);
        return name;
    }

    @AfterEach
    void removeCreated() {
        for (String name : created) {
            if (Files.exists(NetNamespace.pathOf(name))) {
                Cmd.run("ip", "netns", "del", name);
            }
        }
    }

    @Test
    void createsANamespaceThatIpNetnsSeesAndDeletesIt() throws Exception {
        String name = newName();
        try (NetNamespace ns = NetNamespace.create(name)) {
            assertThat(Cmd.ok("ip", "netns", "list")).contains(name);
            assertThat(Cmd.ok("ip", "-n", name, "-j", "link", "show")).as("a fresh namespace has only loopback")
                    .contains("\"lo\"").doesNotContain("eth");
            try (NetNamespace again = NetNamespace.openNamed(name); NetNamespace current = NetNamespace.current()) {
                assertThat(again.inode()).isEqualTo(ns.inode());
                assertThat(ns.inode()).isNotEqualTo(current.inode());
            }
            // what the library created is usable by ip, and what ip does is visible to the library
            Cmd.ok("ip", "-n", name, "link", "set", "lo", "up");
            try (Rtnl rtnl = ns.openRtnl()) {
                assertThat(rtnl.link("lo").orElseThrow().isUp()).isTrue();
            }
        }
        NetNamespace.delete(name);
        assertThat(Cmd.ok("ip", "netns", "list")).doesNotContain(name);
        assertThat(Files.exists(NetNamespace.pathOf(name))).isFalse();
    }

    @Test
    void creatingAnExistingNameFailsAndLeavesTheExistingNamespaceAlone() {
        String name = newName();
        try (NetNamespace ns = NetNamespace.create(name)) {
            long inode = ns.inode();
            assertThatThrownBy(() -> NetNamespace.create(name)).isInstanceOf(NetlinkException.AlreadyExists.class)
                    .hasMessageStartingWith("netns add " + name + ": File exists");
            try (NetNamespace again = NetNamespace.openNamed(name)) {
                assertThat(again.inode()).isEqualTo(inode);
            }
        }
    }

    @Test
    void deletingAMissingNameIsNotFound() {
        assertThatThrownBy(() -> NetNamespace.delete(newName())).isInstanceOf(NetlinkException.NotFound.class)
                .hasMessageContaining("netns del ");
    }

    @Test
    void opensByPathAndByPid() throws Exception {
        String ns = netns.create("bypid");
        Process sleeper = netns.spawn(ns, Files.createTempFile("sleep", ".log"), "sleep", "600");
        try (NetNamespace byPath = NetNamespace.open(Path.of("/var/run/netns/" + ns)); NetNamespace current = NetNamespace.current()) {
            // `ip netns exec` enters the namespace a moment after it starts
            long byPid = Poll.until("pid " + sleeper.pid() + " inside " + ns, Duration.ofSeconds(10),
                    () -> {
                        try (NetNamespace p = NetNamespace.openPid(sleeper.pid())) {
                            return p.inode();
                        }
                    }, inode -> inode == byPath.inode());
            assertThat(byPid).isNotEqualTo(current.inode());
        }
        assertThatThrownBy(() -> NetNamespace.openPid(Integer.MAX_VALUE)).isInstanceOf(NetlinkException.NotFound.class)
                .hasMessageContaining("/proc/" + Integer.MAX_VALUE + "/ns/net");
    }

    @Test
    void refusesWhatIsNotANetworkNamespace() {
        assertThatThrownBy(() -> NetNamespace.open(Path.of("/proc/self/ns/uts")))
                .isInstanceOf(NetlinkException.class).hasMessageContaining("is not a network namespace");
        assertThatThrownBy(() -> NetNamespace.open(Path.of("/etc/hostname")))
                .isInstanceOf(NetlinkException.class).hasMessageContaining("not a namespace file");
        assertThatThrownBy(() -> NetNamespace.open(Path.of("/run/netns/no-such-namespace-here")))
                .isInstanceOf(NetlinkException.NotFound.class);
        assertThatThrownBy(() -> NetNamespace.pathOf("../etc")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void runsATaskInsideOnAPlatformThreadAndLeavesTheCallerWhereItWas() throws Exception {
        String name = netns.create("run");
        long callerBefore = inodeOf("/proc/thread-self/ns/net");
        try (NetNamespace ns = NetNamespace.open(Netns.path(name))) {
            long inside = ns.run(() -> inodeOf("/proc/thread-self/ns/net"));
            assertThat(inside).isEqualTo(ns.inode());
            String threadKind = ns.run(() -> Thread.currentThread().isVirtual() ? "virtual" : "platform");
            assertThat(threadKind).isEqualTo("platform");
            assertThatThrownBy(() -> ns.run(() -> {
                throw new IOException("boom");
            })).isInstanceOf(IOException.class).hasMessage("boom");
        }
        assertThat(inodeOf("/proc/thread-self/ns/net")).isEqualTo(callerBefore);
    }

    @Test
    void virtualThreadsCanUseNamespacesConcurrently() throws Exception {
        String a = netns.create("va");
        String b = netns.create("vb");
        try (var exec = Executors.newVirtualThreadPerTaskExecutor();
                NetNamespace na = NetNamespace.open(Netns.path(a)); NetNamespace nb = NetNamespace.open(Netns.path(b))) {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                NetNamespace target = i % 2 == 0 ? na : nb;
                String dev = "v" + i;
                results.add(exec.submit(() -> {
                    try (Rtnl rtnl = target.openRtnl()) {
                        rtnl.addLink(LinkSpec.bridge(LinkSettings.named(dev)));
                        return rtnl.link(dev).orElseThrow().name();
                    }
                }));
            }
            for (Future<String> f : results) {
                assertThat(f.get()).startsWith("v");
            }
        }
        assertThat(Ip.json(a, "link", "show", "type", "bridge").size()).isEqualTo(20);
        assertThat(Ip.json(b, "link", "show", "type", "bridge").size()).isEqualTo(20);
        assertThat(Ip.json(a, "link", "show", "type", "bridge").toString()).contains("\"v0\"").doesNotContain("\"v1\"");
    }

    private static long inodeOf(String path) throws IOException {
        return (Long) Files.getAttribute(Path.of(path), "unix:ino");
    }
}
