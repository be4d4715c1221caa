package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.lab.Lab;
import dev.viaduct.lab.LabSpec;
import dev.viaduct.lab.LabState;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.testsupport.Cmd;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lab in image mode: every node runs the node pod of deploy/kubernetes/viaduct.yaml from the image with
 * podman (install-cni, then bfdd and the agent, as the manifest says), pods are added through the shim that
 * install-cni put in the node's {@code /opt/cni/bin}. Pods reach each other; an agent container killed and
 * started again under fping loses no packet (routes stay in the kernel, bfdd runs on in its own container);
 * {@code lab down} leaves no container, mount or namespace, also after a failed {@code up}.
 */
@Tag("image")
@ExtendWith(TestImage.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageLabTest {
    static LabFixture f;
    static boolean down;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> s.withNodes(2).withPodsPerNode(2).withImage(TestImage.TAG));
    }

    @AfterAll
    static void downIfStillUp() {
        if (f != null && !down) {
            f.close();
        }
    }

    @Test
    @Order(1)
    void podsAddedThroughTheInstalledShimReachEachOther() throws IOException {
        for (String node : f.lab.nodes()) {
            assertThat(f.lab.nodeHostPath(node, "/opt/cni/bin").resolve("viaduct")).as("shim install-cni wrote on %s", node)
                    .isRegularFile().isExecutable();
            assertThat(Files.readString(f.lab.nodeHostPath(node, "/etc/cni/net.d").resolve("10-viaduct.conflist")))
                    .contains("\"cniVersion\" : \"1.0.0\"").contains("/run/viaduct/cni.sock");
            assertThat(f.lab.container(node, "agent")).as("agent container of %s", node).isPresent();
            assertThat(f.lab.container(node, "bfdd")).as("bfdd container of %s", node).isPresent();
        }
        assertThat(f.lab.pluginBinary()).as("no shim outside the nodes' own directories").doesNotExist();
        assertThat(f.lab.pods()).hasSize(4);
        Lab.Matrix m = f.lab.pingMatrix();
        m.print(System.out);
        assertThat(m.failures()).isEmpty();
    }

    @Test
    @Order(2)
    void agentContainerRestartUnderFpingLosesNoPacket() throws Exception {
        LabState.Pod a = f.lab.pods().stream().filter(p -> p.node().equals("n1")).findFirst().orElseThrow();
        LabState.Pod b = f.lab.pods().stream().filter(p -> p.node().equals("n2")).findFirst().orElseThrow();
        LabState.Proc agentBefore = f.lab.container("n1", "agent").orElseThrow();
        LabState.Proc bfddBefore = f.lab.container("n1", "bfdd").orElseThrow();
        List<String> routesBefore = f.lab.routes("n1");

        long t0 = System.nanoTime();
        Fping ab = Fping.start(a.namespace(), b.ips().getFirst(), 800, 20, 500);
        Fping ba = Fping.start(b.namespace(), a.ips().getFirst(), 800, 20, 500);
        ab.awaitTraffic(100, Duration.ofSeconds(10));
        ba.awaitTraffic(100, Duration.ofSeconds(10));
        long killed = System.nanoTime();
        f.lab.stopAgent("n1", true); // SIGKILL the container's main process: the container exits
        f.lab.startAgent("n1");      // a new container, as kubelet restarts one
        f.lab.awaitAgent("n1", Duration.ofSeconds(90));
        double back = (System.nanoTime() - t0) / 1e6;
        Fping.Result r1 = ab.await(60);
        Fping.Result r2 = ba.await(60);
        System.out.printf("agent container n1 ready %.1f s after kill; fping n1->n2 %d/%d, n2->n1 %d/%d%n",
                (System.nanoTime() - killed) / 1e9, r1.received(), r1.sent(), r2.received(), r2.sent());
        String when = String.format("kill at %.0f ms, agent ready at %.0f ms", (killed - t0) / 1e6, back);
        if (r1.received() != r1.sent() || r2.received() != r2.sent()) {
            for (String log : List.of("n1/agent.log", "n1/bfdd.log", "n2/agent.log", "n2/bfdd.log")) {
                System.out.println("--- " + log + " (last lines)\n" + tail(f.lab.dir().resolve(log), 40));
            }
        }
        assertThat(r1.received()).as("echoes answered n1 pod -> n2 pod: %s; %s", r1.losses(t0), when).isEqualTo(800);
        assertThat(r2.received()).as("echoes answered n2 pod -> n1 pod: %s; %s", r2.losses(t0), when).isEqualTo(800);

        assertThat(f.lab.container("n1", "agent").orElseThrow().pid()).as("a new agent container").isNotEqualTo(agentBefore.pid());
        LabState.Proc bfddAfter = f.lab.container("n1", "bfdd").orElseThrow();
        assertThat(bfddAfter).as("bfdd's container ran on untouched").isEqualTo(bfddBefore);
        assertThat(Cmd.ok("podman", "inspect", "--format", "{{.State.Pid}}", f.lab.containerName("n1", "bfdd")).strip())
                .isEqualTo(Long.toString(bfddBefore.pid()));
        assertThat(f.lab.routes("n1")).isEqualTo(routesBefore);
        // CNI ADD through the restarted agent
        LabState.Pod c = f.lab.addPod("n1", "p9", null);
        assertThat(f.lab.ping(c, b.ips().getFirst(), 1)).isTrue();
    }

    @Test
    @Order(3)
    void downLeavesNoContainerMountOrNamespace() {
        String name = f.lab.spec().name();
        List<String> containerIds = List.of(Cmd.ok("podman", "ps", "--all", "--quiet", "--no-trunc", "--filter",
                "label=dev.viaduct.lab=" + name).strip().split("\\s+"));
        assertThat(containerIds).as("containers before down").hasSize(4);
        down = true;
        f.close(); // fails if down reports anything it could not remove
        assertNothingLeft(name, f.lab.spec().prefix(), f.lab.dir(), containerIds);
    }

    @Test
    @Order(4)
    void upWithAnImageThatDoesNotExistFailsAndLeavesNothing() {
        LabSpec spec = LabSpec.defaults("tmiss").withNodes(1).withPodsPerNode(0).withSubnetBase("10.202.250")
                .withImage("localhost/viaduct:no-such-image-" + ProcessHandle.current().pid());
        assertThatThrownBy(() -> Lab.up(spec, new PrintStream(System.out, true)))
                .hasMessageContaining("init container install-cni on n1");
        assertNothingLeft(spec.name(), spec.prefix(), Path.of("/run/viaduct/lab", spec.name()), List.of());
    }

    private static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log " + log + ")";
        }
    }

    private static void assertNothingLeft(String name, String prefix, Path dir, List<String> containerIds) {
        assertThat(Cmd.ok("podman", "ps", "--all", "--quiet", "--filter", "label=dev.viaduct.lab=" + name).strip())
                .as("containers of lab %s", name).isEmpty();
        String mounts = Cmd.ok("cat", "/proc/self/mountinfo");
        assertThat(mounts.lines().filter(l -> l.contains(dir.toString()) || l.contains(prefix)
                || containerIds.stream().anyMatch(id -> !id.isEmpty() && l.contains(id))).toList())
                .as("mounts of lab %s or its containers", name).isEmpty();
        try (var s = Files.list(NetNamespace.RUN_NETNS)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).toList())
                    .as("namespaces of lab %s", name).isEmpty();
        } catch (IOException e) {
            // no /run/netns at all: no namespace left
        }
        assertThat(dir).doesNotExist();
    }
}
