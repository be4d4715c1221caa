package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The IPAM contract on a real etcd (one member shared by the class; each test has its own prefix). */
@Tag("etcd")
class EtcdIpamTest extends IpamContract {
    static EtcdCluster etcd;
    static EtcdDatastore shared;

    @Override
    Datastore store() {
        synchronized (EtcdIpamTest.class) {
            if (etcd == null) {
                etcd = EtcdCluster.start(1);
                shared = EtcdDatastore.connect(StoreOptions.of(etcd.endpoints()));
            }
            return shared;
        }
    }

    @AfterAll
    static void stop() {
        if (shared != null) {
            shared.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void etcdctlSeesTheBlockAndHandleIpamWrote() {
        ipam.createPool(Pool.of("10.244.0.0/24"));
        Assignment a = ipam.assign("net.ctr1.eth0", "node-1", true, false, Map.of("k8s.pod", "default/web"));
        String ip = a.ipv4().orElseThrow().getHostAddress();
        String block = etcd.etcdctl("get", "--print-value-only", keys.block(a.addresses().getFirst().block().toString()))
                .orThrow().stdout();
        assertThat(block).contains("\"address\":\"" + ip + "\"").contains("\"handle\":\"net.ctr1.eth0\"")
                .contains("\"affinity\":\"node-1\"");
        String handle = etcd.etcdctl("get", "--print-value-only", keys.handle("net.ctr1.eth0")).orThrow().stdout();
        assertThat(handle).contains("\"addresses\":[\"" + ip + "\"]").contains("\"k8s.pod\":\"default/web\"");
        ipam.releaseByHandle("net.ctr1.eth0");
        assertThat(etcd.etcdctl("get", "--keys-only", "--prefix", keys.handles()).orThrow().stdout()).isBlank();
    }
}
