package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.Cmd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds the container image with {@code scripts/image} from the jars this build packaged (the "image" Surefire
 * execution runs after {@code package}) and runs its entry points with podman: the launcher and the AOT cache,
 * {@code ctl}, {@code install-cni} into host directories, config parsing on the jlink'd runtime (which leaves
 * out modules the libraries only use optionally), and {@code nft}. The image ({@link TestImage}) is built once
 * per run and shared with the lab's image-mode test.
 */
@Tag("image")
@ExtendWith(TestImage.class)
class ContainerImageTest {
    private static final String TAG = TestImage.TAG;
    private static final long SIZE_BUDGET = 200L << 20;

    @Test
    void versionRunsFromTheAotCacheWithinTheSizeBudget() {
        Cmd.Result r = podman(List.of("-e", "VIADUCT_JAVA_OPTS=-Xlog:aot"), "--version").orThrow();
        assertThat(r.stdout()).contains("viaduct ").contains("Java 25");
        assertThat(r.stdout()).as("the launcher maps the cache recorded at image build time")
                .contains("Using AOT-linked classes: true");
        long size = Long.parseLong(Cmd.ok("podman", "image", "inspect", "--format", "{{.Size}}", TAG).strip());
        assertThat(size).as("image size in bytes").isLessThanOrEqualTo(SIZE_BUDGET);
    }

    @Test
    void ctlHelpListsItsCommandsFromItsOwnCache() {
        Cmd.Result r = podman(List.of("-e", "VIADUCT_JAVA_OPTS=-Xlog:aot"), "ctl", "--help").orThrow();
        assertThat(r.stdout()).contains("Usage: viaduct ctl").contains("nodes").contains("routes");
        assertThat(r.stdout()).as("ctl runs on the one-jar class path with the cache trained on ctl")
                .contains("viaduct-short.aot").contains("Using AOT-linked classes: true");
    }

    @Test
    void bgpRunsOnTheSpeakersJarsOnly(@TempDir Path etc) throws IOException {
        Files.writeString(etc.resolve("rr.yaml"), "asn: 65000\nrouterId: 10.0.0.1\npeers: [{address: 10.0.0.2, asn: 65000, rrClient: true}]\n");
        Cmd.Result r = podman(List.of("-v", etc + ":/etc/viaduct:ro", "-e", "VIADUCT_JAVA_OPTS=-XshowSettings:properties"),
                "bgp", "--config", "/etc/viaduct/rr.yaml", "--check").orThrow();
        assertThat(r.stdout()).contains("1 peer(s)");
        assertThat(r.stderr()).as("java.class.path").contains("viaduct-bgp-").contains("prometheus-metrics-core")
                .doesNotContain("jetcd").doesNotContain("kubernetes");
    }

    @Test
    void bfddRunsItsOwnEntryPointFromItsCache() {
        Cmd.Result r = podman(List.of("-e", "VIADUCT_JAVA_OPTS=-Xlog:aot"), "bfdd", "--socket", "relative.sock");
        assertThat(r.exitCode()).as("bfdd's usage error").isEqualTo(2);
        assertThat(r.stdout()).contains("viaduct-bfdd.aot").contains("Using AOT-linked classes: true");
        assertThat(r.stderr()).contains("--socket must be an absolute path");
    }

    @Test
    void installCniWritesAnExecutableShimAndAParsableConflist(@TempDir Path host) throws IOException {
        Path bin = Files.createDirectories(host.resolve("opt/cni/bin"));
        Path conf = Files.createDirectories(host.resolve("etc/cni/net.d"));
        podman(List.of("-v", bin + ":/host/opt/cni/bin", "-v", conf + ":/host/etc/cni/net.d"), "install-cni").orThrow();

        Path shim = bin.resolve("viaduct");
        assertThat(shim).isRegularFile().isExecutable();
        Cmd.Result version = Cmd.run("env", "CNI_COMMAND=VERSION", shim.toString()).orThrow();
        assertThat(version.stdout()).as("the installed shim runs on the host (static: needs no library of the image)")
                .contains("\"supportedVersions\"");

        try (var files = Files.list(conf)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .as("only the conflist, no temporary file left").containsExactly("10-viaduct.conflist");
        }
        JsonNode list = JsonMapper.builder().build().readTree(Files.readString(conf.resolve("10-viaduct.conflist")));
        assertThat(list.get("name").asString()).isEqualTo("viaduct");
        assertThat(list.get("plugins").get(0).get("type").asString()).isEqualTo("viaduct");
        assertThat(list.get("plugins").get(0).get("agentSocket").asString()).isEqualTo("/run/viaduct/cni.sock");
    }

    @Test
    void agentConfigParsesOnTheJlinkedRuntime(@TempDir Path etc) throws IOException {
        Files.writeString(etc.resolve("agent.yaml"), """
                nodeName: node-a
                datastore:
                  endpoints: [http://127.0.0.1:2379]
                cluster:
                  mode: host-gw
                  podCidrs: [10.244.0.0/16]
                """);
        Cmd.Result r = podman(List.of("-v", etc + ":/etc/viaduct:ro"),
                "agent", "--config", "/etc/viaduct/agent.yaml", "--check-config").orThrow();
        assertThat(r.stdout()).contains("ok (node node-a, mode host-gw)");

        Files.writeString(etc.resolve("agent.yaml"), "nodeName: node-a\nnoSuchField: 1\n");
        Cmd.Result bad = podman(List.of("-v", etc + ":/etc/viaduct:ro"),
                "agent", "--config", "/etc/viaduct/agent.yaml", "--check-config");
        assertThat(bad.exitCode()).as("bad config: usage exit code").isEqualTo(2);
        assertThat(bad.stderr()).contains("noSuchField");
    }

    @Test
    void nftRunsInTheImage() {
        Cmd.Result r = podman(List.of("--entrypoint", "/usr/sbin/nft"), "--version").orThrow();
        assertThat(r.stdout()).startsWith("nftables v");
    }

    /** {@code podman run --rm} of the image without a network, with extra run options and the container's args. */
    private static Cmd.Result podman(List<String> runOptions, String... args) {
        List<String> argv = new ArrayList<>(List.of("podman", "run", "--rm", "--network=none"));
        argv.addAll(runOptions);
        argv.add(TAG);
        argv.addAll(List.of(args));
        return Cmd.run(Duration.ofMinutes(2), null, argv.toArray(String[]::new));
    }
}
