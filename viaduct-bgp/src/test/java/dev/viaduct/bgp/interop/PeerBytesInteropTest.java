package dev.viaduct.bgp.interop;

import static dev.viaduct.bgp.interop.Interop.T;
import static dev.viaduct.bgp.interop.Interop.v4;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.wire.BgpCodec;
import dev.viaduct.bgp.wire.BgpDecodeException;
import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.ErrorCodes;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.testsupport.Netns;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The exact bytes BIRD, FRR and GoBGP send: each daemon connects to a bare socket that answers its OPEN with
 * an OPEN (4-octet AS, IPv4 and IPv6 unicast, route refresh, graceful restart so that each sends End-of-RIB)
 * and a KEEPALIVE, announces routes of both families with communities, large communities and MED, and is then
 * sent a malformed header, which it answers with a NOTIFICATION (RFC 4271 §6.1). Every message must decode with
 * Viaduct's codec.
 *
 * <p>With {@code -Dviaduct.capture.dir=<dir>} (the BGP message corpus of {@code BgpCodecFuzzTest}) each
 * distinct message is also written there, named by daemon and kind ({@code bird-open},
 * {@code frr-update-2}, {@code gobgp-notification-bad-message-type}): seeds from real peers for the fuzzer.
 */
@Tag("root")
class PeerBytesInteropTest {
    @RegisterExtension
    static Netns fixture = Netns.perTest();

    private static final long OUR_AS = 65099;

    @Test
    void birdBytesDecode() throws Exception {
        capture("bird", BAD_TYPE, (net, port) -> Interop.startBird(fixture, Interop.scratch("bird-bytes"), """
                router id %1$s;
                log stderr all;
                protocol device {}
                protocol static s4 { ipv4; route 10.20.0.0/24 blackhole; route 10.21.0.0/24 blackhole; }
                protocol static s6 { ipv6; route fd20::/64 blackhole; route fd21::/64 blackhole; }
                protocol bgp capture {
                  local %1$s port %5$d as 65010;
                  neighbor %2$s port %3$d as %4$d;
                  multihop;
                  connect retry time 1;
                  graceful restart on;
                  ipv4 { import none; export filter { bgp_med = 50; bgp_community.add((65010, 20)); bgp_large_community.add((65010, 1, 2)); accept; }; };
                  ipv6 { import none; export filter { bgp_community.add((65010, 60)); accept; }; next hop address 2001:db8::2; };
                }
                """.formatted(net + "2", net + "1", port, OUR_AS, Interop.freePort(v4(net + "2")))));
    }

    @Test
    void frrBytesDecode() throws Exception {
        capture("frr", BAD_TYPE, (net, port) -> Interop.startFrr(fixture, Interop.scratch("frr-bytes"), net + "2",
                Interop.freePort(v4(net + "2")), """
                frr defaults traditional
                hostname frr-bytes
                log stdout informational
                route-map OUT permit 10
                 set metric 40
                 set community 65030:30 no-export
                 set large-community 65030:1:2
                !
                router bgp 65030
                 bgp router-id %1$s
                 no bgp ebgp-requires-policy
                 no bgp network import-check
                 bgp graceful-restart
                 neighbor %2$s remote-as %4$d
                 neighbor %2$s port %3$d
                 neighbor %2$s update-source %1$s
                 neighbor %2$s timers connect 1
                 neighbor %2$s ebgp-multihop 2
                 address-family ipv4 unicast
                  network 10.30.0.0/24
                  network 10.31.0.0/24
                  neighbor %2$s route-map OUT out
                 exit-address-family
                 address-family ipv6 unicast
                  neighbor %2$s activate
                  neighbor %2$s route-map OUT out
                  network fd30::/64
                 exit-address-family
                !
                """.formatted(net + "2", net + "1", port, OUR_AS)));
    }

    @Test
    void gobgpBytesDecode() throws Exception {
        capture("gobgp", BAD_LENGTH, (net, port) -> {
            String addr = net + "2";
            Interop.Gobgp g = Interop.startGobgp(fixture, Interop.scratch("gobgp-bytes"), """
                    [global.config]
                      as = 65050
                      router-id = "%1$s"
                      port = %2$d
                      local-address-list = ["%1$s"]
                    """.formatted(addr, Interop.freePort(v4(addr))) + Interop.GOBGP_NEIGHBOR.formatted(net + "1", OUR_AS, port, addr));
            g.cli("global", "rib", "add", "10.50.0.0/24", "-a", "ipv4", "med", "10", "community", "65050:51",
                    "large-community", "65050:1:2").orThrow();
            g.cli("global", "rib", "add", "10.51.0.0/24", "-a", "ipv4", "aspath", "65077", "origin", "incomplete").orThrow();
            g.cli("global", "rib", "add", "fd50::/64", "-a", "ipv6", "nexthop", "2001:db8::50", "community", "no-advertise").orThrow();
            return g;
        });
    }

    /** A header-only message of type 9, which RFC 4271 does not define: NOTIFICATION 1/3 (Bad Message Type). */
    private static final Provocation BAD_TYPE = new Provocation("bad-message-type", header(BgpCodec.HEADER_LENGTH, 9), 3);
    /**
     * A KEEPALIVE whose length field says 18, below the header's 19: NOTIFICATION 1/2 (Bad Message Length). GoBGP
     * closes the connection without a NOTIFICATION on an undefined type, so it gets this one.
     */
    private static final Provocation BAD_LENGTH = new Provocation("bad-message-length", header(BgpCodec.HEADER_LENGTH - 1,
            BgpMessage.TYPE_KEEPALIVE), 2);

    /** Bytes that make a peer send a message header error (code 1) with {@code subcode}. */
    record Provocation(String name, byte[] bytes, int subcode) {
    }

    interface Daemon {
        Object start(String net, int port) throws Exception;
    }

    /**
     * Listens for {@code name}'s connection, establishes the session, records every message until both
     * End-of-RIBs, provokes a NOTIFICATION, and checks (and optionally writes) every message.
     */
    private static void capture(String name, Provocation provocation, Daemon daemon) throws Exception {
        Netns.requireRoot();
        String net = Interop.subnet();
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(v4(net + "1"), 0));
            listener.setSoTimeout((int) T.toMillis());
            daemon.start(net, listener.getLocalPort());
            Map<String, byte[]> seen = new LinkedHashMap<>();
            try (Socket s = listener.accept()) {
                s.setSoTimeout((int) T.toMillis());
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                byte[] open = read(in);
                assertThat(decode(name, open)).isInstanceOf(BgpMessage.Open.class);
                seen.put(name + "-open", open);
                out.write(BgpCodec.encode(ourOpen(), CodecOptions.FOUR_OCTET_AS));
                out.write(BgpCodec.encode(BgpMessage.Keepalive.INSTANCE, CodecOptions.FOUR_OCTET_AS));
                out.flush();
                Set<Family> endOfRib = EnumSet.noneOf(Family.class);
                int updates = 0;
                while (endOfRib.size() < 2) {
                    byte[] m = read(in);
                    switch (decode(name, m)) {
                        case BgpMessage.Keepalive k -> seen.putIfAbsent(name + "-keepalive", m);
                        case BgpMessage.Update u when u.endOfRibFamily().isPresent() -> {
                            endOfRib.add(u.endOfRibFamily().get());
                            seen.put(name + "-update-end-of-rib-" + (u.endOfRibFamily().get() == Family.IPV4_UNICAST ? "ipv4" : "ipv6"), m);
                        }
                        case BgpMessage.Update u -> seen.put(name + "-update-" + ++updates, m);
                        case BgpMessage other -> seen.put(name + "-" + other.getClass().getSimpleName().toLowerCase() + "-" + seen.size(), m);
                    }
                }
                assertThat(updates).as("%s UPDATEs before End-of-RIB", name).isPositive();
                out.write(provocation.bytes());
                out.flush();
                while (true) {
                    byte[] m = read(in);
                    if (decode(name, m) instanceof BgpMessage.Notification n) {
                        assertThat(n.code()).isEqualTo(ErrorCodes.MESSAGE_HEADER);
                        assertThat(n.subcode()).isEqualTo(provocation.subcode());
                        seen.put(name + "-notification-" + provocation.name(), m);
                        break;
                    }
                }
            }
            String dir = System.getProperty("viaduct.capture.dir");
            if (dir != null) {
                Files.createDirectories(Path.of(dir));
                for (var e : seen.entrySet()) {
                    Files.write(Path.of(dir).resolve(e.getKey()), e.getValue());
                }
            }
        }
    }

    private static BgpMessage.Open ourOpen() {
        return new BgpMessage.Open(4, (int) OUR_AS, 90, (127 << 24) | 0x00ff_0001, List.of(
                new Capability.Multiprotocol(Family.IPV4_UNICAST), new Capability.Multiprotocol(Family.IPV6_UNICAST),
                new Capability.RouteRefreshSupport(), new Capability.FourOctetAs(OUR_AS),
                new Capability.GracefulRestart(false, false, 120, List.of(new Capability.GrFamily(Family.IPV4_UNICAST, false),
                        new Capability.GrFamily(Family.IPV6_UNICAST, false)))));
    }

    /** A bare header (marker, {@code length}, {@code type}), 19 octets whatever the length field says. */
    private static byte[] header(int length, int type) {
        byte[] m = new byte[BgpCodec.HEADER_LENGTH];
        java.util.Arrays.fill(m, 0, 16, (byte) 0xff);
        m[17] = (byte) length;
        m[18] = (byte) type;
        return m;
    }

    private static byte[] read(DataInputStream in) {
        try {
            byte[] h = new byte[BgpCodec.HEADER_LENGTH];
            in.readFully(h);
            int len = ((h[16] & 0xff) << 8) | (h[17] & 0xff);
            byte[] m = java.util.Arrays.copyOf(h, len);
            in.readFully(m, h.length, len - h.length);
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException("reading the daemon's next message", e);
        }
    }

    private static BgpMessage decode(String name, byte[] m) {
        try {
            return BgpCodec.decode(m, CodecOptions.FOUR_OCTET_AS);
        } catch (BgpDecodeException e) {
            throw new AssertionError(name + " sent a message Viaduct cannot decode: " + e, e);
        }
    }
}
