package dev.viaduct.testsupport.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("etcd")
class EtcdClusterTest {
    @Test
    void threeMembersElectALeaderSurviveItsDeathAndRejoin() {
        Path root;
        List<Long> pids = new ArrayList<>();
        try (EtcdCluster etcd = EtcdCluster.start(3)) {
            root = etcd.member(0).dataDir().getParent();
            assertThat(etcd.endpoints()).hasSize(3).allMatch(e -> e.startsWith("http://127.0.0.1:"));
            etcd.etcdctl("put", "/k", "v1").orThrow();
            int leader = etcd.leaderIndex();
            assertThat(leader).isBetween(0, 2);
            for (int i = 0; i < 3; i++) {
                pids.add(etcd.member(i).pid());
            }
            etcd.member(leader).kill();
            assertThat(etcd.member(leader).running()).isFalse();
            int next = etcd.leaderIndex();
            assertThat(next).isNotEqualTo(leader);
            etcd.etcdctl("put", "/k", "v2").orThrow();
            etcd.member(leader).start();
            // the restarted member caught up with the write it missed
            assertThat(Poll.until("restarted member has v2", Duration.ofSeconds(10),
                    () -> etcd.member(leader).etcdctl("get", "--print-value-only", "--consistency=s", "/k")
                            .stdout().strip(), "v2"::equals)).isEqualTo("v2");
            assertThat(etcd.compact()).isPositive();
        }
        assertThat(root).doesNotExist();
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid %d gone", pid).isFalse();
        }
    }

    @Test
    void tlsAndAuthWork() {
        try (EtcdCluster etcd = EtcdCluster.builder().tls(true).start()) {
            assertThat(etcd.endpoints().getFirst()).startsWith("https://");
            assertThat(Files.exists(etcd.tls().clientKey())).isTrue();
            etcd.enableAuth("rootpw");
            etcd.addUser("agent", "agentpw", "/viaduct/");
            assertThat(etcd.etcdctl("put", "/viaduct/x", "1").ok()).isTrue();
            // without the client certificate the server refuses
            assertThat(dev.viaduct.testsupport.Cmd.run("env", "ETCDCTL_API=3", EtcdCluster.ETCDCTL,
                    "--endpoints=" + etcd.endpointsCsv(), "--cacert=" + etcd.tls().caCert(), "--dial-timeout=2s",
                    "--user=root:rootpw", "get", "/viaduct/x").ok()).isFalse();
        }
    }

    @Test
    @Tag("root")
    void membersCanRunInsideNetworkNamespaces() {
        dev.viaduct.testsupport.Netns.requireRoot();
        try (dev.viaduct.testsupport.Netns netns = dev.viaduct.testsupport.Netns.perTest()) {
            String ns = netns.create("etcd");
            // three members on three loopback addresses of one namespace (a lab puts them in three)
            try (EtcdCluster etcd = EtcdCluster.builder().placements(List.of(new EtcdCluster.Placement(ns, "127.0.0.2"),
                    new EtcdCluster.Placement(ns, "127.0.0.3"), new EtcdCluster.Placement(ns, "127.0.0.4"))).start()) {
                assertThat(etcd.endpoints()).containsExactly("http://127.0.0.2:2379", "http://127.0.0.3:2379",
                        "http://127.0.0.4:2379");
                etcd.etcdctl("put", "/k", "in-ns").orThrow();
                int leader = etcd.leaderIndex();
                etcd.member(leader).kill();
                assertThat(etcd.etcdctl("get", "--print-value-only", "/k").orThrow().stdout().strip()).isEqualTo("in-ns");
                etcd.member(leader).start();
                // nothing listens on 2379 in the root namespace: the members really are inside
                assertThat(dev.viaduct.testsupport.Cmd.run("ss", "-ltnH", "sport = :2379").stdout()).doesNotContain("127.0.0.2");
            }
        }
    }
}
