package dev.viaduct.store;

import dev.viaduct.testsupport.Poll;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;

/** The datastore contract against a real single-member etcd, for each etcd client (its test class starts it). */
abstract class EtcdContract extends DatastoreContract {
    static EtcdCluster etcd;
    static Datastore store;

    /** Starts etcd and connects the client under test; call from the subclass's {@code @BeforeAll}. */
    static void start(Function<StoreOptions, Datastore> connect) {
        etcd = EtcdCluster.start(1);
        store = connect.apply(StoreOptions.of(etcd.endpoints()));
    }

    @AfterAll
    static void stopEtcd() {
        if (store != null) {
            store.close();
            store = null;
        }
        if (etcd != null) {
            etcd.close();
            etcd = null;
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
