package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.lab.Lab;
import dev.viaduct.testsupport.Netns;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 10's docs acceptance: {@code docs/walkthrough.sh} — which uses only commands the docs show — brings up a
 * lab, breaks a route by hand, diagnoses it with {@code viaduct ctl} and repairs it. The launcher is this JVM's
 * class path (the jars {@code bin/viaduct} uses are only built by {@code package}, after the tests); the lab gets
 * a unique name and subnet and is removed by the script's trap, or here if the script could not.
 */
@Tag("root")
class DocsWalkthroughTest {
    @Test
    void theWalkthroughRunsAndExplainNamesTheBrokenRoute() throws Exception {
        Netns.requireRoot();
        long pid = ProcessHandle.current().pid();
        String lab = "w" + Long.toString(pid % 46656, 36);
        String subnet = "10.202." + (pid % 250);
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        Path launcher = target.resolve("walkthrough-viaduct");
        Files.writeString(launcher, "#!/bin/sh\nexec '" + ProcessHandle.current().info().command().orElse("java")
                + "' --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '"
                + System.getProperty("java.class.path") + "' dev.viaduct.cli.Main \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path script = Path.of("..", "docs", "walkthrough.sh").toAbsolutePath().normalize();
        Path log = target.resolve("walkthrough.log");
        removeLab(lab); // a leftover of a killed run

        ProcessBuilder pb = new ProcessBuilder("bash", script.toString());
        pb.environment().put("VIADUCT", launcher.toString());
        pb.environment().put("LAB", lab);
        pb.environment().put("SUBNET", subnet);
        pb.environment().remove("VIADUCT_ETCD");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        try {
            boolean done = p.waitFor(300, TimeUnit.SECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            String out = Files.readString(log);
            assertThat(done).as("walkthrough finished within 300 s; output so far:\n%s", out).isTrue();
            assertThat(p.exitValue()).as("walkthrough exit code; output:\n%s", out).isZero();
            assertThat(out).contains("OK: ").contains("can reach each other")
                    .containsPattern("(?m)^!  foreign +10\\.244\\.[0-9.]+/26 ")
                    .containsPattern("BROKEN: node n1's route to 10\\.244\\.[0-9.]+/26 is not Viaduct's: the kernel has"
                            + " 10\\.244\\.[0-9.]+/26 via " + subnet.replace(".", "\\.") + "\\.99 dev eth0 proto static"
                            + " \\(expected via " + subnet.replace(".", "\\.") + "\\.13 dev eth0\\)")
                    .containsPattern("(?m)^problem: node n1's route to ")
                    .containsPattern("(?m)^viaduct_routes_drifted_total [1-9]")
                    .contains("all 30 pod pairs reach each other")
                    .contains("lab " + lab + ": removed");
        } finally {
            if (p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            removeLab(lab);
        }
    }

    private static void removeLab(String name) {
        try {
            List<String> problems = Lab.open(name, new PrintStream(System.out, true)).down();
            assertThat(problems).as("lab %s teardown", name).isEmpty();
        } catch (IOException noSuchLab) {
            // removed by the script's trap, as it should be
        }
    }
}
