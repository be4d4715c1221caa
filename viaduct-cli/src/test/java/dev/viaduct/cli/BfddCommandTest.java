package dev.viaduct.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.Poll;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code viaduct bfdd}: usage errors, one daemon per socket, and a clean stop on the protocol's Shutdown. */
class BfddCommandTest {
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(args, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(run("bfdd", "--socket", "relative.sock")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err.toString()).contains("--socket must be an absolute path");
        assertThat(run("bfdd", "--socket", "/tmp/x.sock", "--log-format", "xml")).isEqualTo(Main.EXIT_USAGE);
        assertThat(run("bfdd", "--socket", "/tmp/x.sock", "--log-level", "loud")).isEqualTo(Main.EXIT_USAGE);
    }

    @Test
    void servesItsSocketRefusesASecondDaemonAndStopsOnShutdown() throws Exception {
        Path dir = Files.createTempDirectory("bfdd-cli");
        Path sock = dir.resolve("bfdd.sock");
        try {
            CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> run("bfdd", "--socket", sock.toString()),
                    r -> Thread.ofPlatform().daemon().start(r));
            Poll.until("bfdd's socket", Duration.ofSeconds(20), () -> Files.exists(sock));
            assertThat(run("bfdd", "--socket", sock.toString())).as("a second daemon on the same socket").isEqualTo(1);
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(sock));
                var out = Channels.newOutputStream(ch);
                out.write("{\"op\":\"shutdown\",\"id\":1,\"adminDown\":true}\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                String reply = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
                assertThat(reply).startsWith("{\"op\":\"sessions\",\"id\":1");
            }
            assertThat(first.get(20, TimeUnit.SECONDS)).isZero();
            assertThat(Files.exists(sock)).isFalse();
        } finally {
            try (var s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
