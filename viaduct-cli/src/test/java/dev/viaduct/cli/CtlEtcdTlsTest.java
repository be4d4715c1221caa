package dev.viaduct.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.etcd.EtcdCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `viaduct ctl --config AGENT_CONFIG` reaches an etcd that requires TLS client certificates and credentials. */
@Tag("etcd")
class CtlEtcdTlsTest {
    static EtcdCluster etcd;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        etcd = EtcdCluster.builder().tls(true).start();
        etcd.enableAuth("root-secret");
        etcd.addUser("viaduct", "viaduct-secret", "/viaduct/");
    }

    @AfterAll
    static void stop() {
        if (etcd != null) {
            etcd.close();
        }
    }

    Path config(String password) throws IOException {
        Path f = dir.resolve("agent.yaml");
        Files.writeString(f, """
                nodeName: ctl-test
                datastore:
                  endpoints: [%s]
                  caFile: %s
                  certFile: %s
                  keyFile: %s
                  username: viaduct
                  password: %s
                """.formatted(etcd.endpoints().getFirst(), etcd.tls().caCert(), etcd.tls().clientCert(), etcd.tls().clientKey(),
                password));
        return f;
    }

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void theAgentConfigsTlsFilesAndCredentialsAreUsed() throws IOException {
        Run nodes = run("ctl", "nodes", "--config", config("viaduct-secret").toString());
        assertThat(nodes.exit()).as(nodes.err()).isZero();
        assertThat(nodes.out()).isEqualTo("no nodes are registered (no agent holds a node lease in this datastore)\n");
        Run check = run("ctl", "ipam", "check", "--config", config("viaduct-secret").toString(), "-o", "json");
        assertThat(check.exit()).as(check.err()).isZero();
        assertThat(check.out()).contains("\"consistent\" : true");
    }

    @Test
    void wrongCredentialsOrNoTlsAreReportedAndExitThree() throws IOException {
        Run wrong = run("ctl", "nodes", "--config", config("wrong").toString(), "--timeout", "3s");
        assertThat(wrong.exit()).isEqualTo(3);
        assertThat(wrong.err()).startsWith("viaduct ctl nodes: etcd at " + etcd.endpoints().getFirst() + " refused ctl:");
        Run plain = run("ctl", "nodes", "--etcd", etcd.endpoints().getFirst(), "--timeout", "2s");
        assertThat(plain.exit()).isEqualTo(3);
        assertThat(plain.err()).startsWith("viaduct ctl nodes: ");
    }

    @Test
    void aConfigFileThatIsNotValidIsAUsageError() throws IOException {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "datastore:\n  endpoints: [etcd:2379]\n");
        Run r = run("ctl", "nodes", "--config", bad.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--config: " + bad + ": datastore.endpoints[0]: \"etcd:2379\" is not an http:// or https:// URL");
    }
}
