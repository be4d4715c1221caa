package dev.viaduct.cli;

import dev.viaduct.bgp.config.ConfigException;
import dev.viaduct.bgp.config.SpeakerConfigFile;
import dev.viaduct.bgp.rib.NextHopResolver;
import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpPrefix;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * {@code aot-train --bgp}: what {@code viaduct bgp} does in its first minutes, for the bgp role's own AOT cache
 * (bin/viaduct and the image train it on the bgp role's class path). The real command, {@code viaduct bgp
 * --config FILE}, runs as a route reflector on loopback with two clients, speakers in this JVM on 127.0.0.2 and
 * 127.0.0.3, each announcing an IPv4 /26 and an IPv6 /64: sessions come up, routes are reflected, then a new
 * prefix is announced and withdrawn, and the reflector's HTTP endpoint answers each of its paths. The reflector
 * stops with the JVM (its shutdown hook), as under SIGTERM. {@code --check}, {@code --heap-budget} and a bad file
 * are run first, for the launcher's heap-budget pre-run.
 *
 * <p>Concurrency: the command blocks in its own thread until the JVM exits; the clients are driven from the
 * caller's thread, polling their tables with a deadline.
 */
final class BgpTraining {
    private static final long DEADLINE_NANOS = 20_000_000_000L;

    private BgpTraining() {
    }

    /** Runs the training; 0 when every client saw the other's routes and the endpoint answered, else 1. */
    static int run(PrintWriter w) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("viaduct-bgp-train");
        List<BgpSpeaker> clients = new ArrayList<>();
        try {
            int bgpPort = freePort();
            int httpPort = freePort();
            Path reflector = Files.writeString(dir.resolve("rr.yaml"), """
                    asn: 65000
                    routerId: 127.0.0.1
                    listen: 127.0.0.1:%d
                    families: [ipv4-unicast, ipv6-unicast]
                    http: {listen: "127.0.0.1:%d"}
                    peers:
                      - {name: c2, address: 127.0.0.2, asn: 65000, passive: true, rrClient: true}
                      - {name: c3, address: 127.0.0.3, asn: 65000, passive: true, rrClient: true}
                    """.formatted(bgpPort, httpPort));
            Path bad = Files.writeString(dir.resolve("bad.yaml"), "asn: 65000\npeers: [{address: 127.0.0.2}]\n");
            for (Path f : List.of(reflector, bad)) {
                Main.run(new String[] {"bgp", "--config", f.toString(), "--check"}, w, w);
                Main.run(new String[] {"bgp", "--config", f.toString(), "--heap-budget"}, w, w);
            }
            Thread.ofPlatform().daemon().name("bgp-train-reflector")
                    .start(() -> Main.run(new String[] {"bgp", "--config", reflector.toString()}, w, w));
            for (int i = 2; i <= 3; i++) {
                clients.add(BgpSpeaker.start(client(i, bgpPort), BgpCommand.transport(), NextHopResolver.ALL_REACHABLE, System::nanoTime));
            }
            BgpSpeaker c2 = clients.get(0);
            BgpSpeaker c3 = clients.get(1);
            boolean ok = until(() -> c2.locRibSize(Family.IPV4_UNICAST) == 2 && c3.locRibSize(Family.IPV4_UNICAST) == 2
                    && c3.locRibSize(Family.IPV6_UNICAST) == 2);
            IpPrefix extra = IpPrefix.parseNetwork("10.250.9.0/26");
            c2.originate(extra);
            ok &= until(() -> c3.locRibSize(Family.IPV4_UNICAST) == 3);
            c2.withdraw(extra);
            ok &= until(() -> c3.locRibSize(Family.IPV4_UNICAST) == 2);
            for (String path : List.of("/healthz", "/readyz", "/status", "/metrics", "/routes", "/routes?prefix=10.250.2.0/26")) {
                ok &= get(httpPort, path).startsWith("HTTP/1.1 200");
            }
            return ok ? 0 : 1;
        } catch (ConfigException e) {
            w.println("aot-train --bgp: " + e.getMessage());
            return 1;
        } finally {
            clients.forEach(BgpSpeaker::close);
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    /** Client {@code i}: 127.0.0.i, announcing 10.250.i.0/26 and fd00:250:i::/64 to the reflector. */
    private static dev.viaduct.bgp.speaker.SpeakerConfig client(int i, int reflectorPort) throws ConfigException {
        return SpeakerConfigFile.parse("""
                asn: 65000
                routerId: 127.0.0.%1$d
                families: [ipv4-unicast, ipv6-unicast]
                jitWarmupRoutes: 0
                connectRetrySeconds: 1
                peers:
                  - {name: rr, address: 127.0.0.1, port: %2$d, asn: 65000, localAddress: 127.0.0.%1$d}
                routes:
                  - {prefix: 10.250.%1$d.0/26}
                  - {prefix: "fd00:250:%1$d::/64"}
                """.formatted(i, reflectorPort));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean until(BooleanSupplier done) throws InterruptedException {
        long start = System.nanoTime();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - start > DEADLINE_NANOS) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** One HTTP/1.1 GET on a plain socket (a JDK HTTP client would put its own classes in the cache); the answer. */
    private static String get(int port, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
