package dev.viaduct.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The kube-controllers command: wired into {@code viaduct}, and the Kubernetes client loaded by it alone. */
class KubeControllersCommandTest {
    @Test
    void versionAndHelpNeverLoadTheKubernetesClient() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:off", "-verbose:class",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(out).contains("dev.viaduct.cli.KubeControllersCommand").doesNotContain("io.fabric8").doesNotContain("dev.viaduct.kube.KubeControllersProcess");
    }

    @Test
    void checkConfigTakesTheEndpointsFromTheOptionAndABadOneIsAUsageErrorNamingTheField() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int ok = Main.run(new String[] {"kube-controllers", "--check-config", "--datastore-endpoints", "http://127.0.0.1:2379"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(ok).isZero();
        int bad = Main.run(new String[] {"kube-controllers", "--check-config", "--datastore-endpoints", "etcd:2379"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(bad).isEqualTo(Main.EXIT_USAGE);
        assertThat(List.of(Main.run(new String[] {"--help"}, new PrintWriter(out, true), new PrintWriter(err, true)))).containsExactly(0);
        assertThat(out.toString()).contains("kube-controllers");
    }
}
