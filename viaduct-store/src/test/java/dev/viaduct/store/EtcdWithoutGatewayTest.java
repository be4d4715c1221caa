package dev.viaduct.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.store.etcd.EtcdGatewayDatastore;
import dev.viaduct.store.etcd.EtcdStores;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An etcd started with {@code --enable-grpc-gateway=false} answers the gateway's paths with HTTP 404: the gateway
 * client says so (naming the flag), and the long-running roles' {@link EtcdStores} connect over gRPC instead.
 */
@Tag("etcd")
class EtcdWithoutGatewayTest {
    static EtcdCluster etcd;
    static StoreOptions options;

    @BeforeAll
    static void start() {
        etcd = EtcdCluster.builder().flags("--enable-grpc-gateway=false").start();
        options = StoreOptions.of(etcd.endpoints());
    }

    @AfterAll
    static void stop() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void theGatewayClientNamesTheMissingGateway() {
        assertThatThrownBy(() -> EtcdGatewayDatastore.connect(options)).isInstanceOfSatisfying(StoreException.class, e -> {
            assertThat(e.getMessage()).contains("serves no JSON gateway").contains("--enable-grpc-gateway=false");
            assertThat(e.tryAgain()).isFalse();
            assertThat(EtcdGatewayDatastore.refusesGateway(e)).isTrue();
        });
    }

    @Test
    void etcdStoresConnectsOverGrpc() {
        try (Datastore s = EtcdStores.connect(options)) {
            assertThat(s).isInstanceOf(EtcdDatastore.class);
            s.put(options.prefix() + "/probe", "x".getBytes(UTF_8));
            assertThat(s.get(options.prefix() + "/probe")).hasValueSatisfying(kv -> assertThat(kv.value()).isEqualTo("x".getBytes(UTF_8)));
        }
    }
}
