package dev.viaduct.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.Cmd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training runs of the daemons' own AOT caches ({@code aot-train --bgp}, {@code BfddMain --aot-train}), each in
 * its own JVM as bin/viaduct and the image build run them (the bgp one leaves its reflector to the JVM's exit), and
 * what the launchers' cache options do when the cache is not usable.
 */
class RoleTrainingTest {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private static Cmd.Result java(String... args) {
        List<String> argv = new ArrayList<>(List.of(JAVA, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1"));
        argv.addAll(List.of(args));
        return Cmd.run(Duration.ofMinutes(2), null, argv.toArray(String[]::new));
    }

    @Test
    void bgpTrainingBringsUpAReflectorWithClientsAndExitsZero() {
        Cmd.Result r = java("-cp", System.getProperty("java.class.path"), Main.class.getName(), "aot-train", "--bgp");
        assertThat(r.exitCode()).as("exit code; stderr: %s", r.stderr()).isZero();
        assertThat(r.stderr()).as("both clients' sessions came up").contains("peer=c2").contains("peer=c3").contains("ESTABLISHED");
    }

    @Test
    void bfddTrainingServesAClientAndExitsZero() {
        Cmd.Result r = java("-cp", System.getProperty("java.class.path"), BfddMain.class.getName(), "--aot-train");
        assertThat(r.exitCode()).as("exit code; output: %s", r.stderr()).isZero();
        assertThat(r.stderr()).contains("bfdd client hello").contains("client=aot-train").contains("bfdd stopped");
    }

    @Test
    void aDamagedOrMissingCacheOnlyCostsTimeAndSaysNothing(@TempDir Path dir) throws IOException {
        Path damaged = Files.writeString(dir.resolve("viaduct-bfdd.aot"), "not a cache");
        for (Path cache : List.of(damaged, dir.resolve("missing.aot"))) {
            Cmd.Result r = java("-XX:AOTCache=" + cache, "-Xlog:aot=off", "-Xlog:cds=off", "-cp", System.getProperty("java.class.path"),
                    BfddMain.class.getName(), "--socket", "relative.sock");
            assertThat(r.exitCode()).as("bfdd's own usage error, not the JVM's").isEqualTo(Main.EXIT_USAGE);
            assertThat(r.stdout() + r.stderr()).isEqualToIgnoringWhitespace("viaduct bfdd: --socket must be an absolute path, got relative.sock");
        }
    }

    @Test
    void bfddTakesOptionsWithAnEqualsSignAsViaductBfddDoes() {
        Cmd.Result r = java("-cp", System.getProperty("java.class.path"), BfddMain.class.getName(), "--socket=relative.sock");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.stderr()).contains("--socket must be an absolute path, got relative.sock");
        Cmd.Result unknown = java("-cp", System.getProperty("java.class.path"), BfddMain.class.getName(), "--sockets=/x");
        assertThat(unknown.exitCode()).isEqualTo(Main.EXIT_USAGE);
        assertThat(unknown.stderr()).contains("usage: viaduct bfdd").contains("'--sockets=/x'");
    }
}
