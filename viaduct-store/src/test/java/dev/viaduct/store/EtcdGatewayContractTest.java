package dev.viaduct.store;

import dev.viaduct.store.etcd.EtcdGatewayDatastore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/** The datastore contract for the JSON-gateway client, against a real single-member etcd. */
@Tag("etcd")
class EtcdGatewayContractTest extends EtcdContract {
    @BeforeAll
    static void startEtcd() {
        start(EtcdGatewayDatastore::connect);
    }
}
