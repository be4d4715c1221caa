package dev.viaduct.store;

import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.store.etcd.EtcdGatewayDatastore;

/** The two etcd clients, by name, for tests that every client must pass ({@code @ValueSource(strings = {"jetcd", "gateway"})}). */
final class EtcdClients {
    private EtcdClients() {
    }

    static Datastore connect(String client, StoreOptions options) {
        return switch (client) {
            case "jetcd" -> EtcdDatastore.connect(options);
            case "gateway" -> EtcdGatewayDatastore.connect(options);
            case "stores" -> dev.viaduct.store.etcd.EtcdStores.connect(options);
            default -> throw new IllegalArgumentException("client: jetcd, gateway or stores, got " + client);
        };
    }
}
