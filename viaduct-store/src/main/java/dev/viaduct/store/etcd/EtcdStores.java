package dev.viaduct.store.etcd;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.StoreOptions;
import java.lang.System.Logger.Level;

/**
 * Which etcd client a long-running process uses: {@link EtcdGatewayDatastore} (no gRPC, Netty or protobuf loaded,
 * tens of MiB less resident), and {@link EtcdDatastore} (jetcd) only where etcd refuses the gateway — a client
 * certificate with a CommonName on a cluster with authentication enabled, or an etcd started with
 * {@code --enable-grpc-gateway=false} ({@link EtcdGatewayDatastore#refusesGateway}).
 */
public final class EtcdStores {
    private static final System.Logger LOG = System.getLogger(EtcdStores.class.getName());

    private EtcdStores() {
    }

    /** Connects as {@link EtcdGatewayDatastore#connect} does, falling back to jetcd where etcd refuses the gateway. */
    public static Datastore connect(StoreOptions options) {
        try {
            EtcdGatewayDatastore store = EtcdGatewayDatastore.connect(options);
            LOG.log(Level.INFO, "etcd connected endpoints={0} prefix={1} tls={2} auth={3} client=gateway", options.endpoints(),
                    options.prefix(), options.tls(), options.username() != null);
            return store;
        } catch (StoreException e) {
            if (!EtcdGatewayDatastore.refusesGateway(e)) {
                throw e;
            }
            LOG.log(Level.INFO, "etcd refuses the JSON gateway to this client: using gRPC (jetcd) error={0}", e.getMessage());
            return EtcdDatastore.connect(options);
        }
    }
}
