package dev.viaduct.store;

import dev.viaduct.store.etcd.EtcdGatewayDatastore;
import dev.viaduct.testsupport.Poll;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/** The datastore contract for the JSON-gateway client, against a real single-member etcd. */
@Tag("etcd")
class EtcdGatewayContractTest extends DatastoreContract {
    static EtcdCluster etcd;
    static EtcdGatewayDatastore store;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdCluster.start(1);
        store = EtcdGatewayDatastore.connect(StoreOptions.of(etcd.endpoints()));
    }

    @AfterAll
    static void stopEtcd() {
        if (store != null) {
            store.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @Override
    Datastore store() {
        return store;
    }

    @Override
    void compact(long revision) {
        etcd.compact(revision);
    }

    /** Waits until a lease granted now, with the same TTL and no keep-alive, has expired. */
    @Override
    void letLeaseExpire(Lease lease) {
        Lease control = store.grantLease(lease.ttl());
        Poll.until("control lease of " + lease.ttl() + " expired", lease.ttl().plusSeconds(10),
                () -> store.timeToLive(control).isEmpty());
    }
}
