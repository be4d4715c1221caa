package dev.viaduct.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.testsupport.etcd.EtcdCluster;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    @ParameterizedTest
    @ValueSource(strings = {"jetcd", "stores"})
    void tlsAndCredentialsWork(String client) {
        try (Datastore s = EtcdClients.connect(client, good)) {
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

    @ParameterizedTest
    @ValueSource(strings = {"jetcd", "stores"})
    void wrongPasswordIsAnAuthErrorNotTryAgain(String client) {
        assertThatThrownBy(() -> EtcdClients.connect(client, good.withCredentials("agent", "wrong")))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.reason()).as(e.getMessage()).isEqualTo(StoreException.Reason.AUTH);
                    assertThat(e.tryAgain()).isFalse();
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetcd", "gateway"})
    void withoutTheClientCertificateNothingWorks(String client) {
        assertThatThrownBy(() -> EtcdClients.connect(client, good.withTls(etcd.tls().caCert(), null, null)))
                .isInstanceOf(StoreException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetcd", "gateway"})
    void badTlsFilesAreReportedByName(String client) {
        assertThatThrownBy(() -> EtcdClients.connect(client, good.withTls(java.nio.file.Path.of("/nonexistent/ca.pem"), null, null)))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.getMessage()).contains("/nonexistent/ca.pem"));
    }

    /**
     * etcd refuses gateway requests from a client certificate with a CommonName while authentication is on; the
     * gateway client says so precisely, and {@code EtcdStores} then connects with jetcd.
     */
    @Test
    void withAuthAndACommonNameTheGatewayIsRefusedAndEtcdStoresUsesGrpc() {
        assertThatThrownBy(() -> EtcdClients.connect("gateway", good)).isInstanceOfSatisfying(StoreException.class, e -> {
            assertThat(e.reason()).isEqualTo(StoreException.Reason.AUTH);
            assertThat(dev.viaduct.store.etcd.EtcdGatewayDatastore.refusesGateway(e)).as(e.getMessage()).isTrue();
        });
        try (Datastore s = EtcdClients.connect("stores", good)) {
            assertThat(s).isInstanceOf(dev.viaduct.store.etcd.EtcdDatastore.class);
        }
    }

    /**
     * The gateway client over TLS with a client certificate (no authentication: see above), with the key as PKCS#8,
     * SEC1 (EC) and PKCS#1 (RSA, compared with its PKCS#8 form).
     */
    @Test
    void gatewayTlsWithClientKeysInEachPemForm() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("viaduct-keys");
        try (EtcdCluster plain = EtcdCluster.builder().tls(true).start()) {
            StoreOptions opts = StoreOptions.of(plain.endpoints()).withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(3));
            java.nio.file.Path sec1 = dir.resolve("client-sec1.key");
            dev.viaduct.testsupport.Cmd.ok("openssl", "ec", "-in", plain.tls().clientKey().toString(), "-out", sec1.toString());
            assertThat(java.nio.file.Files.readString(sec1)).contains("BEGIN EC PRIVATE KEY");
            for (java.nio.file.Path key : java.util.List.of(plain.tls().clientKey(), sec1)) {
                try (Datastore s = EtcdClients.connect("gateway", opts.withTls(plain.tls().caCert(), plain.tls().clientCert(), key))) {
                    long rev = s.put("/viaduct/v1/tls", "x".getBytes(UTF_8));
                    assertThat(s.get("/viaduct/v1/tls").orElseThrow().modRevision()).isEqualTo(rev);
                }
            }
            assertThatThrownBy(() -> EtcdClients.connect("gateway", opts.withTls(plain.tls().caCert(), null, null)))
                    .isInstanceOf(StoreException.class);
            java.nio.file.Path rsa = dir.resolve("rsa.key");
            dev.viaduct.testsupport.Cmd.ok("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", dir.resolve("rsa8.key").toString());
            dev.viaduct.testsupport.Cmd.ok("openssl", "rsa", "-traditional", "-in", dir.resolve("rsa8.key").toString(), "-out", rsa.toString());
            assertThat(java.nio.file.Files.readString(rsa)).contains("BEGIN RSA PRIVATE KEY");
            java.security.PrivateKey fromPkcs1 = dev.viaduct.store.etcd.PemTlsAccess.privateKey(rsa);
            java.security.PrivateKey fromPkcs8 = dev.viaduct.store.etcd.PemTlsAccess.privateKey(dir.resolve("rsa8.key"));
            assertThat(fromPkcs1.getEncoded()).isEqualTo(fromPkcs8.getEncoded());
        } finally {
            dev.viaduct.testsupport.Cmd.run("rm", "-rf", dir.toString());
        }
    }

    @Test
    void anEncryptedKeyIsRefusedWithTheFileAndTheWayOut() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("viaduct-keys");
        try {
            java.nio.file.Path enc = dir.resolve("enc.key");
            dev.viaduct.testsupport.Cmd.ok("openssl", "pkcs8", "-topk8", "-in", etcd.tls().clientKey().toString(),
                    "-passout", "pass:secret", "-out", enc.toString());
            assertThatThrownBy(() -> EtcdClients.connect("gateway", good.withTls(etcd.tls().caCert(), etcd.tls().clientCert(), enc)))
                    .isInstanceOfSatisfying(StoreException.class, e -> {
                        assertThat(e.reason()).isEqualTo(StoreException.Reason.REJECTED);
                        assertThat(e.getMessage()).contains("etcd.tls.keyFile", enc.toString(), "encrypted", "openssl pkey");
                    });
        } finally {
            dev.viaduct.testsupport.Cmd.run("rm", "-rf", dir.toString());
        }
    }
}
