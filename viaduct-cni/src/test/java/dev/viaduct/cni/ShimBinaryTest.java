package dev.viaduct.cni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.Cmd;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real gcc-built shim against a stand-in agent socket. */
class ShimBinaryTest {
    private static final String SHIM = System.getProperty("viaduct.cni.shim", "target/viaduct-cni");

    @TempDir
    Path dir;
    private Path socket;
    private ServerSocketChannel server;

    @BeforeEach
    void setUp() {
        socket = dir.resolve("agent.sock");
        assertThat(Path.of(SHIM)).isExecutable();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    /** Runs the shim with env (KEY=VALUE...) and stdin via env(1), so the JVM's environment doesn't leak in. */
    private Cmd.Result shim(String stdin, String... env) {
        List<String> argv = new ArrayList<>(List.of("env", "-i"));
        argv.addAll(List.of(env));
        argv.add(SHIM);
        return Cmd.run(Duration.ofSeconds(20), stdin, argv.toArray(String[]::new));
    }

    /** A one-shot agent: answers the first request with {@code answer}, hands back what it received. */
    private CompletableFuture<ShimProtocol.Request> agent(Function<ShimProtocol.Request, ShimProtocol.Reply> answer)
            throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        CompletableFuture<ShimProtocol.Request> received = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (SocketChannel c = server.accept()) {
                var req = ShimProtocol.readRequest(Channels.newInputStream(c));
                received.complete(req);
                var reply = answer.apply(req);
                if (reply != null) {
                    ShimProtocol.writeReply(reply, Channels.newOutputStream(c));
                }
            } catch (IOException e) {
                received.completeExceptionally(e);
            }
        });
        return received;
    }

    @Test
    void versionIsAnsweredWithoutAnAgent() {
        var r = shim("", "CNI_COMMAND=VERSION", "VIADUCT_CNI_SOCKET=" + socket);
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout().strip()).isEqualTo(
                "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.4.0\",\"1.0.0\",\"1.1.0\"]}");
    }

    @Test
    void unreachableAgentIsTryAgainLaterInTheRequestsVersion() {
        var r = shim("{\"cniVersion\": \"1.0.0\", \"name\": \"n\"}", "CNI_COMMAND=ADD", "VIADUCT_CNI_SOCKET=" + socket);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stdout()).startsWith("{\"cniVersion\":\"1.0.0\",\"code\":11,")
                .contains("Viaduct agent unreachable")
                .contains("connect " + socket + ": No such file or directory");
    }

    @Test
    void unreachableAgentOnStatusIsPluginNotAvailable() {
        var r = shim("{\"cniVersion\":\"1.1.0\"}", "CNI_COMMAND=STATUS", "VIADUCT_CNI_SOCKET=" + socket);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stdout()).contains("\"code\":50");
    }

    @Test
    void forwardsOnlyCniEnvironmentAndExactStdinAndRelaysTheReply() throws Exception {
        var received = agent(req -> new ShimProtocol.Reply(7, "{\"result\":true}\n", "agent says hi\n"));
        String config = "{\"cniVersion\":\"1.1.0\",\"name\":\"net\",\"type\":\"viaduct\",\"x\":\"\\u00e9\"}";
        var r = shim(config, "CNI_COMMAND=ADD", "CNI_CONTAINERID=abc", "CNI_ARGS=IP=10.0.0.1;K=V", "HOME=/root",
                "SECRET=nope", "VIADUCT_CNI_SOCKET=" + socket);
        var req = received.get(10, TimeUnit.SECONDS);
        assertThat(req.env()).containsOnlyKeys("CNI_COMMAND", "CNI_CONTAINERID", "CNI_ARGS")
                .containsEntry("CNI_ARGS", "IP=10.0.0.1;K=V");
        assertThat(new String(req.stdin(), StandardCharsets.UTF_8)).isEqualTo(config);
        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(r.stdout()).isEqualTo("{\"result\":true}\n");
        assertThat(r.stderr()).isEqualTo("agent says hi\n");
    }

    @Test
    void socketPathComesFromTheNetworkConfigWhenNotInTheEnvironment() throws Exception {
        var received = agent(req -> new ShimProtocol.Reply(0, "ok", ""));
        var r = shim("{\"cniVersion\":\"1.1.0\",\"agentSocket\" : \"" + socket + "\"}", "CNI_COMMAND=DEL");
        assertThat(received.get(10, TimeUnit.SECONDS).env()).containsEntry("CNI_COMMAND", "DEL");
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEqualTo("ok");
    }

    @Test
    void agentHangingUpWithoutReplyIsTryAgainLater() throws Exception {
        var received = agent(req -> null);
        var r = shim("{\"cniVersion\":\"1.1.0\"}", "CNI_COMMAND=ADD", "VIADUCT_CNI_SOCKET=" + socket);
        received.get(10, TimeUnit.SECONDS);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stdout()).contains("\"code\":11").contains("did not answer");
    }

    @Test
    void agentThatNeverAnswersTimesOut() throws Exception {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        // accepted by the kernel's backlog, never read: the shim must give up after its timeout
        var r = shim("{\"cniVersion\":\"1.1.0\"}", "CNI_COMMAND=ADD", "VIADUCT_CNI_SOCKET=" + socket,
                "VIADUCT_CNI_TIMEOUT_SECONDS=1");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stdout()).contains("\"code\":11").contains("timed out");
        assertThat(Files.exists(socket)).isTrue();
    }

    @Test
    void malformedConfigIsDecodingFailureEvenWithACustomSocketThatAnswers() throws Exception {
        var received = agent(req -> new ShimProtocol.Reply(0, "forwarded", ""));
        for (String bad : List.of("{\"cniVersion\":\"1.0.0\",\"agentSocket\":\"" + socket + "\",",
                "{\"cniVersion\":\"1.0.0\",\"agentSocket\":\"" + socket + "\",\"mtu\":01}",
                "{\"cniVersion\":\"1.0.0\",\"agentSocket\":\"" + socket + "\",\"x\":\"\\q\"}",
                "{\"cniVersion\":\"1.0.0\",\"agentSocket\":\"" + socket + "\"} trailing", "")) {
            var r = shim(bad, "CNI_COMMAND=ADD");
            assertThat(r.exitCode()).as(bad).isEqualTo(1);
            var error = tools.jackson.databind.json.JsonMapper.builder().build().readTree(r.stdout());
            assertThat(error.path("code").asInt()).as(bad).isEqualTo(6);
            assertThat(error.path("cniVersion").asString()).as(bad).isEqualTo(bad.isEmpty() ? "1.1.0" : "1.0.0");
            assertThat(error.path("msg").asString()).isEqualTo("failed to decode the network configuration");
            assertThat(error.path("details").asString()).contains("not valid JSON");
        }
        assertThat(received).as("the agent was never asked").isNotDone();
    }

    @Test
    void wellFormedJsonOfEveryShapeIsForwarded() throws Exception {
        String config = "{\"cniVersion\":\"1.1.0\",\"a\":[1,-2.5e+3,0,true,false,null,{},[],\"\\\"\\u00e9\\n\"],"
                + "\"b\":{\"c\":{\"d\":[[]]}}, \"agentSocket\":\"" + socket + "\"}\n";
        var received = agent(req -> new ShimProtocol.Reply(0, "ok", ""));
        var r = shim(config, "CNI_COMMAND=ADD");
        assertThat(new String(received.get(10, TimeUnit.SECONDS).stdin(), StandardCharsets.UTF_8)).isEqualTo(config);
        assertThat(r.stdout()).isEqualTo("ok");
    }
}
