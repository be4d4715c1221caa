package dev.viaduct.bfd.daemon.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void theCacheBesideTheBinarysJarIsUsedOnlyWhenNewerThanEveryJar(@TempDir Path dir) throws IOException {
        Path cli = Files.writeString(dir.resolve("viaduct-cli.jar"), "jar");
        Path bfd = Files.writeString(Files.createDirectories(dir.resolve("lib")).resolve("viaduct-bfd-0.1.0.jar"), "jar");
        String cp = cli + ":" + bfd;
        assertThat(BfdDaemonLauncher.aotCache(cp, "", Map.of())).as("no cache trained").isEmpty();

        Path cache = Files.writeString(dir.resolve(BfdDaemonLauncher.AOT_CACHE), "cache");
        Instant t = Instant.parse("2026-12-07T12:00:00Z");
        Files.setLastModifiedTime(cli, FileTime.from(t));
        Files.setLastModifiedTime(bfd, FileTime.from(t));
        Files.setLastModifiedTime(cache, FileTime.from(t.plusSeconds(60)));
        assertThat(BfdDaemonLauncher.aotCache(cp, "", Map.of())).contains(cache);
        assertThat(BfdDaemonLauncher.aotCache(cp, "", Map.of("VIADUCT_NO_AOT", "1"))).as("VIADUCT_NO_AOT=1").isEmpty();
        assertThat(BfdDaemonLauncher.aotCache(cp, "-Xint -Xshare:off", Map.of())).as("the operator's own sharing options").isEmpty();

        Files.setLastModifiedTime(bfd, FileTime.from(t.plusSeconds(120)));
        assertThat(BfdDaemonLauncher.aotCache(cp, "", Map.of())).as("a jar rebuilt after the training").isEmpty();
    }

    @Test
    void withoutACacheTheDaemonGetsTheJdksArchive() {
        var argv = new BfdDaemonLauncher(Path.of("/run/viaduct/bfdd.sock"), "json", "info").command();
        assertThat(argv).as("the test's class path has no viaduct-cli jar, so no cache").contains("-Xshare:auto")
                .noneMatch(a -> a.startsWith("-XX:AOTCache"));
    }

    /**
     * bfdd's JVM options are spelled in four places: this launcher, bin/viaduct (which also trains the cache with
     * them: a cache is only used with the options it was trained with), the image's launcher, and bench/memory/run's
     * idle JVM (the reference bfdd is measured against). Apart from how each passes class sharing, they are one list.
     */
    @Test
    void bfddsOptionsAreTheSameInEveryLauncher() throws IOException {
        Path root = Path.of("..");
        List<String> launcher = sharedOptions("--enable-native-access=ALL-UNNAMED " + BfdDaemonLauncher.DEFAULT_JAVA_OPTS);
        String bin = Files.readString(root.resolve("bin/viaduct"));
        String binOpts = bin.substring(bin.indexOf("\nbfdd_opts=(") + 12, bin.indexOf(")", bin.indexOf("\nbfdd_opts=(") + 12));
        String image = String.join(" ", Files.readAllLines(root.resolve("deploy/image/viaduct")).stream()
                .filter(l -> l.startsWith("bfdd_opts=\"")).map(l -> l.substring(11, l.length() - 1).replace("$bfdd_opts", "")).toList());
        String bench = Files.readString(root.resolve("bench/memory/run")).replace("\\\n", " ");
        String benchOpts = bench.lines().filter(l -> l.contains("\"$JAVA\" ") && l.contains(" Idle &")).findFirst().orElseThrow();
        benchOpts = benchOpts.substring(benchOpts.indexOf("\"$JAVA\" ") + 8, benchOpts.indexOf(" -cp "));

        assertThat(launcher).contains("-XX:+UseSerialGC", "-Xmx32m");
        assertThat(sharedOptions(binOpts)).as("bin/viaduct's bfdd_opts").isEqualTo(launcher);
        assertThat(sharedOptions(image)).as("deploy/image/viaduct's bfdd_opts").isEqualTo(launcher);
        assertThat(sharedOptions(benchOpts)).as("bench/memory/run's idle JVM")
                .isEqualTo(launcher.stream().filter(o -> !o.startsWith("--enable-native-access")).toList());
    }

    /**
     * A launcher's words (shell quotes removed, the heap at its default) but how it passes class sharing (the cache's
     * own options, or -Xshare:auto without one).
     */
    private static List<String> sharedOptions(String words) {
        Set<String> sharing = Set.of("-Xlog:aot=off", "-Xlog:cds=off", "-Xshare:auto", "");
        return Arrays.stream(words.replace("\"", "").replace("'", "").replace("${VIADUCT_HEAP:-32m}", "32m").strip().split("\\s+"))
                .filter(o -> !sharing.contains(o)).toList();
    }
}
