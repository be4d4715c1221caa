package dev.viaduct.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.ops.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kube-controllers config: the file, the VIADUCT_* overlay, and errors that name the field. */
class KubeControllersConfigTest {
    @TempDir
    Path dir;

    Path file(String yaml) throws Exception {
        Path f = dir.resolve("kube-controllers.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void theManifestsConfigWithThePodNameFromTheEnvironment() throws Exception {
        var c = KubeControllersConfig.load(Optional.of(file("""
                datastore:
                  endpoints: [http://etcd:2379]
                http:
                  listen: "0.0.0.0:9098"
                """)), Map.of("VIADUCT_POD_NAME", "kc-7f9-x2"));
        assertThat(c.options().identity()).isEqualTo("kc-7f9-x2");
        assertThat(c.datastore().endpoints()).containsExactly("http://etcd:2379");
        assertThat(c.httpHost()).contains("0.0.0.0");
        assertThat(c.httpPort()).isEqualTo(9098);
        assertThat(c.options().leaseNamespace()).isEqualTo("viaduct-system");
        assertThat(c.options().leaseDuration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.kubeconfig()).isEmpty();
    }

    @Test
    void theEnvironmentAloneIsAConfigAndWinsOverTheFile() throws Exception {
        var c = KubeControllersConfig.load(Optional.empty(), Map.of("VIADUCT_DATASTORE_ENDPOINTS", "http://a:2379,http://b:2379",
                "VIADUCT_KUBECONFIG", "/etc/k.conf", "VIADUCT_POD_GC_GRACE", "90s"));
        assertThat(c.datastore().endpoints()).isEqualTo(List.of("http://a:2379", "http://b:2379"));
        assertThat(c.kubeconfig()).contains(Path.of("/etc/k.conf"));
        assertThat(c.options().podGcGrace()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void errorsNameTheFieldOrTheVariable() throws Exception {
        assertThatThrownBy(() -> KubeControllersConfig.load(Optional.empty(), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("datastore.endpoints");
        assertThatThrownBy(() -> KubeControllersConfig.load(Optional.of(file("datastore: {endpoints: [http://e:2379]}\nleaderElection: {leaseDuration: 5s}\n")),
                Map.of())).hasMessageContaining("leaderElection.leaseDuration");
        assertThatThrownBy(() -> KubeControllersConfig.load(Optional.of(file("datastore: {endpoints: [http://e:2379]}\nleaderElecton: {}\n")),
                Map.of())).hasMessageContaining("leaderElecton");
        assertThatThrownBy(() -> KubeControllersConfig.load(Optional.empty(), Map.of("VIADUCT_DATASTORE_ENDPOINTS", "http://e:2379",
                "VIADUCT_HTTP_LISTEN", "nowhere"))).hasMessageContaining("VIADUCT_HTTP_LISTEN");
    }
}
