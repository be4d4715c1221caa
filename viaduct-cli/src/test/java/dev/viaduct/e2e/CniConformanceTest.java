package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.lab.CniRuntime;
import dev.viaduct.lab.LabState;
import dev.viaduct.netlink.NetNamespace;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

/**
 * The CNI plugin as a runtime sees it: the installed shim exec'd inside the node's namespace, chained with
 * the reference portmap plugin (conflist cniVersion 1.0.0, since containernetworking-plugins 1.1.1 predates
 * spec 1.1.0).
 */
@Tag("root")
class CniConformanceTest {
    static LabFixture f;
    static String socket;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> s.withNodes(2).withPodsPerNode(0).withPortmap(true));
        socket = f.lab.dir().resolve("n1/cni.sock").toString();
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    /** Host veths, pod routes, held addresses on n1 (what a leak would show up in). */
    record Footprint(List<String> veths, List<String> podRoutes, int handles, int allocations) {
    }

    static Footprint footprint() {
        String links = f.ip("n1", "-o", "link", "show").orThrow().stdout();
        List<String> veths = links.lines().map(l -> l.split(":\\s+")[1].split("@")[0]).filter(n -> n.startsWith("vdc")).toList();
        List<String> podRoutes = f.lab.routes("n1").stream().filter(r -> r.contains(" dev vdc")).toList();
        int allocs = f.blocks().stream().mapToInt(b -> b.allocations().size()).sum();
        return new Footprint(veths, podRoutes, f.ipam.handles().size(), allocs);
    }

    @Test
    void twoHundredPodsAddCheckDelLeaveNothingBehind() throws Exception {
        Footprint before = footprint();
        List<LabState.Pod> pods = new ArrayList<>();
        try (var ex = Executors.newFixedThreadPool(8)) {
            List<Future<LabState.Pod>> fs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                fs.add(ex.submit(() -> f.lab.addPod("n1", "m" + n, null)));
            }
            for (var x : fs) {
                pods.add(x.get());
            }
        }
        assertThat(pods.stream().map(p -> p.ips().getFirst()).distinct()).hasSize(200);
        Footprint during = footprint();
        assertThat(during.veths()).hasSize(before.veths().size() + 200);
        assertThat(during.podRoutes()).hasSize(before.podRoutes().size() + 200);
        assertThat(during.handles()).isEqualTo(before.handles() + 200);
        CniRuntime rt = f.lab.runtime("n1");
        for (LabState.Pod p : pods) {
            rt.check(p.containerId(), NetNamespace.pathOf(p.namespace()).toString(), "eth0");
        }
        try (var ex = Executors.newFixedThreadPool(8)) {
            List<Future<?>> fs = new ArrayList<>();
            for (LabState.Pod p : pods) {
                fs.add(ex.submit(() -> {
                    f.lab.deletePod(p);
                    return null;
                }));
            }
            for (var x : fs) {
                x.get();
            }
        }
        assertThat(footprint()).isEqualTo(before);
    }

    static Map<String, String> env(String command, String containerId, String netns, String... extra) {
        Map<String, String> m = new HashMap<>();
        m.put("CNI_COMMAND", command);
        if (containerId != null) {
            m.put("CNI_CONTAINERID", containerId);
        }
        if (netns != null) {
            m.put("CNI_NETNS", netns);
        }
        m.put("CNI_IFNAME", "eth0");
        m.put("CNI_PATH", "/usr/lib/cni");
        for (int i = 0; i < extra.length; i += 2) {
            if (extra[i + 1] == null) {
                m.remove(extra[i]);
            } else {
                m.put(extra[i], extra[i + 1]);
            }
        }
        return m;
    }

    static String conf(String version, String more) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"viaduct\",\"type\":\"viaduct\",\"agentSocket\":\"" + socket
                + "\",\"capabilities\":{\"ips\":true}" + more + "}";
    }

    static Stream<Arguments> malformed() {
        String ns = "/run/netns/" + f.lab.pods().stream().findFirst().map(LabState.Pod::namespace).orElse("x");
        return Stream.of(
                Arguments.of("no container id", env("ADD", null, "@NS"), conf("1.0.0", ""), 4, "CNI_CONTAINERID is not set"),
                Arguments.of("bad container id", env("ADD", "-bad", "@NS"), conf("1.0.0", ""), 4, "CNI_CONTAINERID \"-bad\" is invalid"),
                Arguments.of("bad ifname", env("ADD", "c1", "@NS", "CNI_IFNAME", "eth0/x"), conf("1.0.0", ""), 4, "CNI_IFNAME"),
                Arguments.of("unknown CNI_ARGS key", env("ADD", "c1", "@NS", "CNI_ARGS", "COLOR=red"), conf("1.0.0", ""), 4, "unknown key \"COLOR\""),
                Arguments.of("netns that does not exist", env("ADD", "c1", "/run/netns/does-not-exist"), conf("1.0.0", ""), 3, "does-not-exist"),
                Arguments.of("unsupported version", env("ADD", "c1", "@NS"), conf("0.3.1", ""), 1, "supports [0.4.0, 1.0.0, 1.1.0]"),
                Arguments.of("not JSON", env("ADD", "c1", "@NS"), "{\"cniVersion\": \"1.0.0\", \"agentSocket\":\"" + socket + "\",", 6, "not valid JSON"),
                Arguments.of("no network name", env("ADD", "c1", "@NS"), "{\"cniVersion\":\"1.0.0\",\"type\":\"viaduct\",\"agentSocket\":\"" + socket + "\"}", 7, "\"name\" is missing"),
                Arguments.of("mtu not a number", env("ADD", "c1", "@NS"), conf("1.0.0", ",\"mtu\":\"big\""), 7, "\"mtu\""),
                Arguments.of("static IP outside every pool", env("ADD", "c1", "@NS"), conf("1.0.0", ",\"runtimeConfig\":{\"ips\":[\"192.0.2.5\"]}"), 101, "192.0.2.5"),
                Arguments.of("IPv6 without an IPv6 pool", env("ADD", "c1", "@NS"), conf("1.0.0", ",\"ipFamilies\":[\"IPv6\"]"), 100, "IPv6"),
                Arguments.of("STATUS in a 1.0.0 config", env("STATUS", null, null), conf("1.0.0", ""), 1, "STATUS needs cniVersion 1.1.0"),
                Arguments.of("CHECK without prevResult", env("CHECK", "c1", "@NS"), conf("1.0.0", ""), 7, "prevResult"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void badInputGetsTheRightCodeAndLeavesNothingBehind(String what, Map<String, String> env, String stdin, int code, String msg)
            throws Exception {
        // a real, empty pod namespace for the cases that need one
        String podNs = f.lab.spec().podNs("n1", "bad");
        try (NetNamespace ns = NetNamespace.create(podNs)) {
            Map<String, String> e = new HashMap<>(env);
            e.replaceAll((k, v) -> v.equals("@NS") ? NetNamespace.pathOf(podNs).toString() : v);
            Footprint before = footprint();
            assertThatThrownBy(() -> f.lab.runtime("n1").run("viaduct", f.lab.pluginBinary(), e.get("CNI_COMMAND"), e, stdin))
                    .isInstanceOfSatisfying(CniRuntime.CniFailure.class, x -> {
                        assertThat(x.code()).as("CNI error code for %s: %s", what, x.getMessage()).isEqualTo(code);
                        assertThat(x.getMessage()).contains(msg);
                        assertThat(x.output()).startsWith("{").contains("\"code\":" + code);
                    });
            assertThat(footprint()).as("nothing left behind by: %s", what).isEqualTo(before);
            try (var r = ns.openRtnl()) {
                assertThat(r.links()).extracting(l -> l.name()).containsExactly("lo");
            }
        } finally {
            NetNamespace.delete(podNs);
        }
    }

    @Test
    void staticAddressThatIsTakenIsRefusedAndDoesNotDisturbItsOwner() throws Exception {
        LabState.Pod owner = f.lab.addPod("n1", "own", null);
        try {
            Footprint before = footprint();
            assertThatThrownBy(() -> f.lab.addPod("n1", "thief", owner.ips().getFirst()))
                    .hasMessageContaining("code 101").hasMessageContaining(owner.ips().getFirst());
            assertThat(footprint()).isEqualTo(before);
            f.lab.runtime("n1").check(owner.containerId(), NetNamespace.pathOf(owner.namespace()).toString(), "eth0");
        } finally {
            f.lab.deletePod(owner);
        }
    }

    @Test
    void chainedPortmapForwardsAHostPortToThePod() throws Exception {
        ObjectNode rc = CniRuntime.JSON.createObjectNode();
        rc.putArray("portMappings").addObject().put("hostPort", 18080).put("containerPort", 8080).put("protocol", "tcp");
        LabState.Pod pod = f.lab.addPodWith("n1", "web", rc);
        try (NetNamespace podNs = NetNamespace.openNamed(pod.namespace());
                NetNamespace client = NetNamespace.openNamed(f.lab.nodeNamespace("n2"))) {
            ServerSocket server = podNs.run(() -> {
                ServerSocket s = new ServerSocket();
                s.bind(new InetSocketAddress("0.0.0.0", 8080));
                return s;
            });
            try (server) {
                Thread.ofVirtual().start(() -> {
                    try (Socket c = server.accept(); InputStream in = c.getInputStream(); OutputStream o = c.getOutputStream()) {
                        o.write(("echo:" + new String(in.readNBytes(4), StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII));
                    } catch (Exception ignored) {
                        // the client reports
                    }
                });
                String got = client.run(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(f.lab.nodeAddress("n1"), 18080), 3000);
                        s.setSoTimeout(3000);
                        s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                        return new String(s.getInputStream().readNBytes(9), StandardCharsets.US_ASCII);
                    }
                });
                assertThat(got).isEqualTo("echo:ping");
            }
        } finally {
            f.lab.deletePod(pod);
        }
        String nat = dev.viaduct.testsupport.Cmd.run("ip", "netns", "exec", f.lab.nodeNamespace("n1"), "iptables", "-t", "nat", "-S")
                .orThrow().stdout();
        assertThat(nat).as("portmap removed its DNAT on DEL").doesNotContain("18080");
    }

    @Test
    void agentDownMeansTryAgainLaterAndStatusNotAvailable() throws Exception {
        f.lab.stopAgent("n2", false);
        try {
            assertThatThrownBy(() -> f.lab.addPod("n2", "orphan", null))
                    .hasMessageContaining("code 11").hasMessageContaining("agent unreachable");
            String n2sock = f.lab.dir().resolve("n2/cni.sock").toString();
            String status = "{\"cniVersion\":\"1.1.0\",\"name\":\"viaduct\",\"type\":\"viaduct\",\"agentSocket\":\"" + n2sock + "\"}";
            assertThatThrownBy(() -> f.lab.runtime("n2").run("viaduct", f.lab.pluginBinary(), "STATUS",
                    Map.of("CNI_COMMAND", "STATUS"), status))
                    .isInstanceOfSatisfying(CniRuntime.CniFailure.class, x -> assertThat(x.code()).isEqualTo(50));
            assertThat(f.lab.pods()).noneMatch(p -> p.name().equals("orphan"));
        } finally {
            f.lab.startAgent("n2");
            f.lab.awaitAgent("n2", Duration.ofSeconds(60));
        }
    }

    @Test
    void gcReleasesAttachmentsTheRuntimeForgot() throws Exception {
        List<LabState.Pod> pods = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            pods.add(f.lab.addPod("n1", "g" + i, null));
        }
        String gc = "{\"cniVersion\":\"1.1.0\",\"name\":\"viaduct\",\"type\":\"viaduct\",\"agentSocket\":\"" + socket
                + "\",\"cni.dev/valid-attachments\":[{\"containerID\":\"" + pods.get(0).containerId() + "\",\"ifname\":\"eth0\"}]}";
        List<String> handlesBefore = f.ipam.handles().stream().map(h -> h.id()).toList();
        f.lab.runtime("n1").run("viaduct", f.lab.pluginBinary(), "GC", Map.of("CNI_COMMAND", "GC"), gc);
        List<String> handlesAfter = f.ipam.handles().stream().map(h -> h.id()).toList();
        assertThat(handlesAfter).contains("viaduct." + pods.get(0).containerId() + ".eth0")
                .doesNotContain("viaduct." + pods.get(1).containerId() + ".eth0", "viaduct." + pods.get(2).containerId() + ".eth0");
        assertThat(handlesBefore.size() - handlesAfter.size()).isEqualTo(2);
        assertThat(footprint().veths()).hasSize(1);
        for (LabState.Pod p : pods) {
            f.lab.deletePod(p); // DEL after GC is idempotent
        }
        assertThat(footprint().handles()).isZero();
    }
}
