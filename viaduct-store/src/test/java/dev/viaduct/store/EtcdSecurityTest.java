package dev.viaduct.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** TLS with client certificates and username/password (RBAC limited to the Viaduct prefix). */
@Tag("etcd")
class EtcdSecurityTest {
    static EtcdCluster etcd;
    static StoreOptions good;

    @BeforeAll
    static void start() {
        etcd = EtcdCluster.builder().tls(true).start();
        etcd.enableAuth("root-secret");
        etcd.addUser("agent", "agent-secret", "/viaduct/");
        good = StoreOptions.of(etcd.endpoints())
                .withTls(etcd.tls().caCert(), etcd.tls().clientCert(), etcd.tls().clientKey())
                .withCredentials("agent", "agent-secret")
                .withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(3));
    }

    @AfterAll
    static void stop() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void tlsAndCredentialsWork() {
        try (EtcdDatastore s = EtcdDatastore.connect(good)) {
            s.put("/viaduct/v1/config", "{}".getBytes(UTF_8));
            assertThat(s.get("/viaduct/v1/config").orElseThrow().valueUtf8()).isEqualTo("{}");
            assertThat(etcd.etcdctl("get", "--print-value-only", "/viaduct/v1/config").orThrow().stdout().strip()).isEqualTo("{}");
            // outside the granted prefix: permission denied, not "try again"
            assertThatThrownBy(() -> s.put("/elsewhere", "x".getBytes(UTF_8)))
                    .isInstanceOfSatisfying(StoreException.class, e -> {
                        assertThat(e.reason()).as(e.getMessage()).isEqualTo(StoreException.Reason.AUTH);
                        assertThat(e.tryAgain()).isFalse();
                    });
        }
    }

    @Test
    void wrongPasswordIsAnAuthErrorNotTryAgain() {
        assertThatThrownBy(() -> EtcdDatastore.connect(good.withCredentials("agent", "wrong")))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.reason()).as(e.getMessage()).isEqualTo(StoreException.Reason.AUTH);
                    assertThat(e.tryAgain()).isFalse();
                });
    }

    @Test
    void withoutTheClientCertificateNothingWorks() {
        assertThatThrownBy(() -> EtcdDatastore.connect(good.withTls(etcd.tls().caCert(), null, null)))
                .isInstanceOf(StoreException.class);
    }

    @Test
    void badTlsFilesAreReportedByName() {
        assertThatThrownBy(() -> EtcdDatastore.connect(good.withTls(java.nio.file.Path.of("/nonexistent/ca.pem"), null, null)))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.getMessage()).contains("/nonexistent/ca.pem"));
    }
}
