package dev.viaduct.bfd.daemon.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BfdDaemonLauncherTest {
    @Test
    void bfddGetsOnlyTheJarsItUsesFromTheBinarysClassPath() {
        String lib = "/opt/viaduct/viaduct-cli/target/lib/";
        String cp = String.join(":", "/opt/viaduct/viaduct-cli/target/viaduct-cli.jar", lib + "jetcd-core-0.8.7.jar",
                lib + "viaduct-agent-0.1.0-SNAPSHOT.jar", lib + "viaduct-bfd-0.1.0-SNAPSHOT.jar", lib + "picocli-4.7.7.jar",
                lib + "jackson-databind-3.1.7.jar", lib + "jackson-core-3.1.7.jar", lib + "jackson-annotations-2.20.jar",
                lib + "jackson-core-2.21.4.jar", lib + "viaduct-sys-0.1.0-SNAPSHOT.jar", lib + "netty-common-4.1.127.jar");
        assertThat(BfdDaemonLauncher.classPath(cp).split(":")).containsExactly("/opt/viaduct/viaduct-cli/target/viaduct-cli.jar",
                lib + "viaduct-bfd-0.1.0-SNAPSHOT.jar", lib + "jackson-core-3.1.7.jar", lib + "viaduct-sys-0.1.0-SNAPSHOT.jar");
    }

    @Test
    void inABuildTreeModulesAreKeptByTheirClassDirectory() {
        String cp = "/src/viaduct-cli/target/classes:/src/viaduct-agent/target/classes:/src/viaduct-bfd/target/classes"
                + ":/src/viaduct-sys/target/classes:/m2/tools/jackson/core/jackson-core/3.1.7/jackson-core-3.1.7.jar";
        assertThat(BfdDaemonLauncher.classPath(cp)).isEqualTo("/src/viaduct-cli/target/classes:/src/viaduct-bfd/target/classes"
                + ":/src/viaduct-sys/target/classes:/m2/tools/jackson/core/jackson-core/3.1.7/jackson-core-3.1.7.jar");
    }

    @Test
    void theCommandRunsBfddsOwnEntryPoint() {
        var argv = new BfdDaemonLauncher(Path.of("/run/viaduct/bfdd.sock"), "json", "info").command();
        assertThat(argv).contains(BfdDaemonLauncher.BFDD_MAIN, "--socket", "/run/viaduct/bfdd.sock", "--detach", "--log-format", "json");
        assertThat(argv).doesNotContain("dev.viaduct.cli.Main", "bfdd");
    }
}
