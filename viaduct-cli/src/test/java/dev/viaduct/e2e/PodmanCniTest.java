package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.viaduct.cni.CniInstaller;
import dev.viaduct.lab.LabState;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Debian's podman 4.3 (CNI backend, libcni 1.1: results up to 1.0.0 only) runs containers on the conflists
 * {@code viaduct cni install} writes, against a lab node's agent: the default one, and one chaining the reference
 * portmap plugin. Everything podman keeps goes to a temporary directory (storage root, run root, CNI config and
 * plugin directories through a private containers.conf in CONTAINERS_CONF): the machine's own podman
 * configuration and storage are never touched. No registry is reachable, so the image is imported from a tar of
 * Debian's busybox-static. Containers get explicit, low nofile and nproc limits: podman's defaults raise them above
 * the hard limits of a process without CAP_SYS_RESOURCE (as in a sandboxed CI), which runc then cannot set.
 */
@Tag("root")
class PodmanCniTest {
    static final Duration T = Duration.ofSeconds(60);
    static final String IMAGE = "localhost/viaduct-test-busybox:1";
    static LabFixture f;
    static Path dir;
    static LabState.Pod peerPod;
    /** Whether portmap's shared chains were in the host's nat table before this test (then they stay). */
    static boolean hostportChainsBefore;

    @BeforeAll
    static void up() throws Exception {
        for (String tool : List.of("/usr/bin/podman", "/usr/sbin/runc", "/bin/busybox", "/usr/lib/cni/portmap")) {
            assumeTrue(Files.isExecutable(Path.of(tool)) || Files.isExecutable(Path.of(tool.replace("/usr/sbin/", "/usr/bin/"))),
                    tool + " is not installed (scripts/setup installs podman, runc, busybox-static, containernetworking-plugins)");
        }
        hostportChainsBefore = Cmd.run("iptables-save", "-t", "nat").orThrow().stdout().contains("CNI-HOSTPORT-DNAT");
        dir = Files.createTempDirectory("viaduct-podman");
        f = LabFixture.up(s -> s.withNodes(2).withPodsPerNode(0));
        Path socket = f.lab.dir().resolve("n1/cni.sock");
        var defaults = CniInstaller.Options.defaults();
        CniInstaller.install(new CniInstaller.Options(dir.resolve("bin"), dir.resolve("net.d"), "viaduct", socket, "", false, false, 0));
        CniInstaller.install(new CniInstaller.Options(dir.resolve("bin"), dir.resolve("net.d"), "viaduct-pm", socket,
                defaults.cniVersion(), true, false, 0));
        Files.writeString(dir.resolve("containers.conf"), """
                [network]
                network_backend = "cni"
                cni_plugin_dirs = ["%s", "/usr/lib/cni"]
                network_config_dir = "%s"
                """.formatted(dir.resolve("bin"), dir.resolve("net.d")));
        Path rootfs = dir.resolve("rootfs/bin");
        Files.createDirectories(rootfs);
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("busybox"));
        for (String applet : List.of("sh", "ip", "ping", "sleep", "httpd", "cat")) {
            Files.createSymbolicLink(rootfs.resolve(applet), Path.of("busybox"));
        }
        Cmd.run("tar", "-C", dir.resolve("rootfs").toString(), "-cf", dir.resolve("image.tar").toString(), ".").orThrow();
        podman("import", dir.resolve("image.tar").toString(), IMAGE).orThrow();
        peerPod = f.lab.addPod("n2", "peer", null);
    }

    @AfterAll
    static void down() throws IOException {
        try {
            if (dir != null && Files.exists(dir.resolve("containers.conf"))) {
                podman("rm", "--all", "--force", "--time", "0");
                podman("rmi", "--all", "--force");
            }
            if (!hostportChainsBefore) {
                removeHostportChains();
            }
        } finally {
            try {
                if (f != null) {
                    f.close();
                }
            } finally {
                if (dir != null) {
                    try (Stream<Path> s = Files.walk(dir)) {
                        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                }
            }
        }
    }

    /**
     * portmap's DEL removes a container's rules but never the chains all its containers share (it cannot know
     * whether another runtime still uses them); this test created them in the host's nat table, so it removes them.
     */
    static void removeHostportChains() {
        Cmd.run("iptables", "-t", "nat", "-D", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "CNI-HOSTPORT-DNAT");
        Cmd.run("iptables", "-t", "nat", "-D", "OUTPUT", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "CNI-HOSTPORT-DNAT");
        Cmd.run("iptables", "-t", "nat", "-D", "POSTROUTING", "-m", "comment", "--comment", "CNI portfwd requiring masquerade",
                "-j", "CNI-HOSTPORT-MASQ");
        for (String chain : List.of("CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SETMARK")) {
            Cmd.run("iptables", "-t", "nat", "-F", chain);
            Cmd.run("iptables", "-t", "nat", "-X", chain);
        }
    }

    /** podman with this test's private storage, run root, containers.conf and CNI directories. */
    static Cmd.Result podman(String... args) {
        List<String> argv = new ArrayList<>(List.of("env", "CONTAINERS_CONF=" + dir.resolve("containers.conf"), "podman",
                "--root", dir.resolve("storage").toString(), "--runroot", dir.resolve("run").toString(), "--storage-driver", "vfs",
                "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--network-backend", "cni",
                "--cni-config-dir", dir.resolve("net.d").toString()));
        argv.addAll(List.of(args));
        return Cmd.run(Duration.ofSeconds(120), null, argv.toArray(String[]::new));
    }

    static boolean allocated(String ip) {
        return f.ipam.handles().stream().anyMatch(h -> h.addresses().stream().anyMatch(a -> a.getHostAddress().equals(ip)));
    }

    @Test
    void defaultConflistRunsAContainerWithAViaductAddressThatReachesAPodAndItsNode() throws Exception {
        String conflist = Files.readString(dir.resolve("net.d/10-viaduct.conflist"));
        assertThat(conflist).contains("\"cniVersion\" : \"1.0.0\"").contains("\"cniVersions\" : [ \"0.4.0\", \"1.0.0\", \"1.1.0\" ]");
        var run = podman("run", "-d", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--name", "c1", "--network", "viaduct", "--cap-add", "NET_RAW", IMAGE, "sleep", "600");
        assertThat(run.exitCode()).as("podman run: %s", run.stderr()).isZero();
        String addr = podman("exec", "c1", "ip", "-4", "-o", "addr", "show", "dev", "eth0").orThrow().stdout();
        String ip = addr.replaceAll("(?s).*inet ([0-9.]+)/.*", "$1").strip();
        assertThat(IpPrefix.parse(f.lab.spec().podCidr()).contains(IpPrefix.parse(ip))).as("%s from the pool %s", ip,
                f.lab.spec().podCidr()).isTrue();
        assertThat(allocated(ip)).as("Viaduct's IPAM holds %s", ip).isTrue();
        var toPod = podman("exec", "c1", "ping", "-c", "2", "-W", "5", peerPod.ips().getFirst());
        assertThat(toPod.exitCode()).as("ping the pod on n2: %s %s", toPod.stdout(), toPod.stderr()).isZero();
        var toNode = podman("exec", "c1", "ping", "-c", "1", "-W", "5", f.lab.nodeAddress("n1"));
        assertThat(toNode.exitCode()).as("ping its node: %s %s", toNode.stdout(), toNode.stderr()).isZero();

        assertThat(podman("rm", "--force", "--time", "0", "c1").exitCode()).isZero();
        Poll.until("the address is released on removal", T, () -> !allocated(ip));
    }

    @Test
    void portmapChainedAfterViaductPublishesAPort() throws Exception {
        var run = podman("run", "-d", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--name", "web", "--network", "viaduct-pm", "-p", "18095:8080", IMAGE,
                "httpd", "-f", "-p", "8080", "-h", "/");
        assertThat(run.exitCode()).as("podman run -p: %s", run.stderr()).isZero();
        try {
            String ip = podman("exec", "web", "ip", "-4", "-o", "addr", "show", "dev", "eth0").orThrow().stdout()
                    .replaceAll("(?s).*inet ([0-9.]+)/.*", "$1").strip();
            String nat = Cmd.run("iptables-save", "-t", "nat").orThrow().stdout();
            assertThat(nat.lines().filter(l -> l.contains("18095") && l.contains("DNAT")).toList())
                    .as("portmap's DNAT for the published port, to %s", ip).isNotEmpty()
                    .anyMatch(l -> l.contains(ip + ":8080"));
        } finally {
            assertThat(podman("rm", "--force", "--time", "0", "web").exitCode()).isZero();
        }
        assertThat(Cmd.run("iptables-save", "-t", "nat").orThrow().stdout()).as("portmap's DEL removed it").doesNotContain("18095");
    }
}
