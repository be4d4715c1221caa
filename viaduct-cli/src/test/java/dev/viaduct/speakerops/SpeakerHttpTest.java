package dev.viaduct.speakerops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.rib.NextHopResolver;
import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.SocketTransport;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.cli.Main;
import dev.viaduct.testsupport.Poll;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The standalone speaker's endpoint with an in-process speaker and two loopback peers: every path, the
 * {@code ctl bgp} commands against it, and a wedged RIB thread failing {@code /healthz}.
 */
class SpeakerHttpTest {
    static final Duration T = Duration.ofSeconds(20);
    static final JsonMapper JSON = JsonMapper.builder().build();
    final HttpClient http = HttpClient.newHttpClient();

    static Inet4Address v4(String s) {
        return (Inet4Address) IpAddresses.parse(s);
    }

    HttpResponse<String> get(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Ctl(int exit, String out, String err) {
    }

    static Ctl ctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Ctl(code, out.toString(), err.toString());
    }

    static BgpSpeaker peerSpeaker(String addr, BgpSpeaker rr) throws Exception {
        BgpSpeaker s = BgpSpeaker.start(SpeakerConfig.builder(64512, v4(addr)).connectRetrySeconds(1).holdTime(9).build());
        s.addPeer(PeerConfig.builder(rr.listenAddress().getAddress(), 64512).port(rr.listenAddress().getPort()).localAddress(v4(addr)).build());
        return s;
    }

    @Test
    void endpointsAndCtlBgpCommandsAnswerFromTheSpeaker() throws Exception {
        SpeakerConfig cfg = SpeakerConfig.builder(64512, v4("127.0.8.1")).listen(new InetSocketAddress(v4("127.0.8.1"), 0))
                .connectRetrySeconds(1).holdTime(9)
                .peer(PeerConfig.builder(v4("127.0.8.2"), 64512).name("leaf-a").passive(true).rrClient(true).build())
                .peer(PeerConfig.builder(v4("127.0.8.3"), 64512).name("leaf-b").passive(true).rrClient(true).build())
                .peer(PeerConfig.builder(v4("127.0.8.4"), 64512).name("absent").passive(true).build()).build();
        try (BgpSpeaker rr = BgpSpeaker.start(cfg, SocketTransport.INSTANCE, NextHopResolver.ALL_REACHABLE, System::nanoTime);
                SpeakerHttp ops = new SpeakerHttp(rr, new InetSocketAddress("127.0.0.1", 0), System::nanoTime);
                BgpSpeaker a = peerSpeaker("127.0.8.2", rr);
                BgpSpeaker b = peerSpeaker("127.0.8.3", rr)) {
            for (int i = 0; i < 300; i++) {
                a.originate(IpPrefix.parse("10.0." + i / 256 + "." + i % 256 + "/32"));
            }
            a.originate(IpPrefix.parse("10.9.0.0/24"));
            b.originate(IpPrefix.parse("10.9.0.0/24"));
            b.originate(IpPrefix.parse("192.168.5.0/24"));
            Poll.until("the reflector holds every route", T, () -> rr.locRibSize(Family.IPV4_UNICAST) == 302);
            // b's 192.168.5.0/24 reflected to a; 10.9.0.0/24's best path is a's own, not sent back to it
            Poll.until("a is sent b's route", T, () -> rr.peers().get(1).advertised() == 1);
            int port = ops.port();

            assertThat(get(port, "/healthz").statusCode()).isEqualTo(200);
            var ready = get(port, "/readyz");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);

            JsonNode status = JSON.readTree(get(port, "/status").body());
            assertThat(status.path("asn").asLong()).isEqualTo(64512);
            assertThat(status.path("locRib").path("ipv4-unicast").asInt()).isEqualTo(302);
            assertThat(status.path("peers").valueStream().map(p -> p.path("name").asString() + "=" + p.path("state").asString()).toList())
                    .containsExactly("absent=ACTIVE", "leaf-a=ESTABLISHED", "leaf-b=ESTABLISHED");
            JsonNode leafA = status.path("peers").get(1);
            assertThat(leafA.path("prefixesReceived").asLong()).isEqualTo(301);
            assertThat(leafA.path("prefixesAccepted").asLong()).isEqualTo(301);
            assertThat(leafA.path("prefixesAdvertised").asLong()).isEqualTo(1);
            assertThat(leafA.path("routeReflectorClient").asBoolean()).isTrue();

            String metrics = get(port, "/metrics").body();
            assertThat(metrics).contains("viaduct_bgp_peer_up{peer=\"leaf-a\"} 1.0").contains("viaduct_bgp_peer_up{peer=\"absent\"} 0.0")
                    .contains("viaduct_bgp_prefixes{direction=\"received\",peer=\"leaf-a\"} 301.0")
                    .contains("viaduct_bgp_sessions{state=\"Established\"} 2.0")
                    .contains("viaduct_bgp_loc_rib_prefixes{family=\"ipv4-unicast\"} 302.0")
                    .contains("viaduct_bgp_messages_received_total");

            JsonNode routes = JSON.readTree(get(port, "/routes?prefix=10.0.0.0/23&limit=5").body());
            assertThat(routes.path("matched").asLong()).isEqualTo(300);
            assertThat(routes.path("returned").asLong()).isEqualTo(5);
            assertThat(routes.path("routes").valueStream().map(r -> r.path("prefix").asString()).toList())
                    .containsExactly("10.0.0.0/32", "10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32", "10.0.0.4/32");
            JsonNode first = routes.path("routes").get(0);
            assertThat(first.path("nextHop").asString()).isEqualTo("127.0.8.2");
            assertThat(first.path("localPref").asLong()).isEqualTo(100);
            assertThat(first.path("best").asBoolean()).isTrue();
            var bad = get(port, "/routes?prefix=10.0.0/8x");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("prefix: '10.0.0/8x' is not a prefix");
            assertThat(get(port, "/routes?colour=blue").body()).contains("unknown parameter 'colour'");

            String url = "http://127.0.0.1:" + port;
            Ctl peers = ctl("ctl", "bgp", "peers", "--speaker", url);
            assertThat(peers.exit()).as("a session is not Established: %s", peers.err()).isEqualTo(1);
            assertThat(peers.out()).contains("leaf-a").contains("127.0.8.3").contains("ESTABLISHED").contains("ACTIVE");

            Ctl table = ctl("ctl", "bgp", "routes", "--speaker", url, "--prefix", "10.9.0.0/16");
            assertThat(table.exit()).as(table.err()).isZero();
            assertThat(table.out().lines().filter(l -> l.contains("10.9.0.0/24")).toList()).hasSize(2);
            assertThat(table.out()).contains("1 prefix inside 10.9.0.0/16");
            Ctl limited = ctl("ctl", "bgp", "routes", "--speaker", url, "--prefix", "10.0.0.0/8", "--limit", "10");
            assertThat(limited.out()).contains("301 prefixes inside 10.0.0.0/8; the first 10 shown");

            Ctl json = ctl("ctl", "bgp", "routes", "--speaker", url, "--peer", "127.0.8.3", "-o", "json", "--limit", "0");
            assertThat(json.exit()).as(json.err()).isZero();
            JsonNode fromB = JSON.readTree(json.out());
            assertThat(fromB.path("matched").asLong()).isEqualTo(2);
            assertThat(fromB.path("routes").valueStream().map(r -> r.path("prefix").asString() + "<" + r.path("source").asString()).toList())
                    .containsExactly("10.9.0.0/24<leaf-b", "192.168.5.0/24<leaf-b");

            Ctl refused = ctl("ctl", "bgp", "routes", "--speaker", url, "--prefix", "nonsense");
            assertThat(refused.exit()).isEqualTo(Main.EXIT_USAGE);
            assertThat(refused.err()).contains("--prefix: 'nonsense'");
        }
        Ctl gone = ctl("ctl", "bgp", "peers", "--speaker", "http://127.0.0.1:1", "--timeout", "2s");
        assertThat(gone.exit()).isEqualTo(3);
        assertThat(gone.err()).contains("cannot reach speaker at http://127.0.0.1:1");
    }

    @Test
    void aWedgedRibThreadFailsHealthzAndRecovers() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        var wedge = new java.util.concurrent.atomic.AtomicBoolean();
        NextHopResolver stuck = nh -> {
            if (wedge.get()) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return 0;
        };
        SpeakerConfig cfg = SpeakerConfig.builder(64512, v4("127.0.8.11")).listen(new InetSocketAddress(v4("127.0.8.11"), 0))
                .connectRetrySeconds(1).jitWarmupRoutes(0).peer(PeerConfig.builder(v4("127.0.8.12"), 64512).passive(true).build()).build();
        try (BgpSpeaker s = BgpSpeaker.start(cfg, SocketTransport.INSTANCE, stuck, System::nanoTime);
                SpeakerHttp ops = new SpeakerHttp(s, new InetSocketAddress("127.0.0.1", 0), System::nanoTime, Duration.ofSeconds(1));
                BgpSpeaker peer = peerSpeaker("127.0.8.12", s)) {
            peer.originate(IpPrefix.parse("10.5.0.0/24")); // a learned route: its next hop goes through the resolver
            Poll.until("route in the Loc-RIB", T, () -> s.locRibSize(Family.IPV4_UNICAST) == 1);
            assertThat(get(ops.port(), "/healthz").statusCode()).isEqualTo(200);
            wedge.set(true);
            s.nextHopsChanged(); // the RIB thread re-resolves the route's next hop and blocks in the resolver
            Poll.until("/healthz fails", T, () -> get(ops.port(), "/healthz").statusCode() == 503);
            assertThat(get(ops.port(), "/healthz").body()).contains("bgp-rib: no progress for");
            var ready = get(ops.port(), "/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(get(ops.port(), "/status").body()).path("ready").asBoolean()).isFalse();
            wedge.set(false);
            release.countDown();
            Poll.until("/healthz recovers", T, () -> get(ops.port(), "/healthz").statusCode() == 200);
        } finally {
            release.countDown();
        }
    }

    @Test
    void unknownPathsNameTheEndpoints() throws Exception {
        SpeakerConfig cfg = SpeakerConfig.builder(64512, v4("127.0.8.21")).jitWarmupRoutes(0).build();
        try (BgpSpeaker s = BgpSpeaker.start(cfg, SocketTransport.INSTANCE, NextHopResolver.ALL_REACHABLE, System::nanoTime);
                SpeakerHttp ops = new SpeakerHttp(s, new InetSocketAddress("127.0.0.1", 0), System::nanoTime)) {
            var r = get(ops.port(), "/nope");
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.body()).contains("/routes").contains("/healthz");
            assertThat(List.of(get(ops.port(), "/routes").statusCode())).containsExactly(200);
        }
    }
}
