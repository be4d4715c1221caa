package dev.viaduct.bgp.speaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.wire.BgpCodec;
import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.ErrorCodes;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.Raw;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Poll;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed and unexpected messages sent by a raw TCP peer to a running speaker: the speaker answers with the
 * NOTIFICATION RFC 4271 §6 prescribes and closes, or applies the RFC 7606 reaction and keeps the session.
 * Each test uses its own peer address (127.0.4.x) so sessions do not interfere.
 */
class SessionErrorTest {
    static final Duration T = Duration.ofSeconds(10);
    static BgpSpeaker speaker;
    static int nextHost = 10;

    @BeforeAll
    static void start() throws Exception {
        Inet4Address addr = v4("127.0.4.1");
        speaker = BgpSpeaker.start(SpeakerConfig.builder(65000, addr).listen(new InetSocketAddress(addr, 0)).idleHoldSeconds(60).build());
    }

    @AfterAll
    static void stop() {
        speaker.close();
    }

    static Inet4Address v4(String s) {
        return (Inet4Address) IpAddresses.parse(s);
    }

    /** A fresh peer address configured on the speaker (passive: the raw peer always connects). */
    static Inet4Address newPeer(long asn, Set<Family> families) {
        Inet4Address a = v4("127.0.4." + nextHost++);
        speaker.addPeer(PeerConfig.builder(a, asn).passive(true).families(families).build());
        return a;
    }

    static RawPeer connect(Inet4Address from) throws Exception {
        return new RawPeer(from, speaker.listenAddress());
    }

    static int id(Inet4Address a) {
        byte[] b = a.getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    static void assertNotification(BgpMessage.Notification n, int code, int subcode) {
        assertThat(n.code()).as(n.toString()).isEqualTo(code);
        assertThat(n.subcode()).as(n.toString()).isEqualTo(subcode);
    }

    @Test
    void wrongPeerAsGetsBadPeerAs() throws Exception {
        Inet4Address a = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(a)) {
            p.send(RawPeer.standardOpen(65002, id(a)));
            assertNotification(p.awaitNotification(), ErrorCodes.OPEN_MESSAGE, ErrorCodes.BAD_PEER_AS);
            assertThat(p.closedBySpeaker()).isTrue();
        }
        Poll.until("the error is in the peer status", T, () -> String.valueOf(speaker.peer(a).orElseThrow().lastError()).contains("65002"));
    }

    @Test
    void unsupportedVersionAndHoldTimeAndIdentifier() throws Exception {
        Inet4Address a = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(a)) {
            p.send(Raw.of().u8(3).u16(65001).u16(90).u32(id(a)).u8(0).message(1));
            BgpMessage.Notification n = p.awaitNotification();
            assertNotification(n, ErrorCodes.OPEN_MESSAGE, ErrorCodes.UNSUPPORTED_VERSION);
            assertThat(n.data()).containsExactly(0, 4);
        }
        Inet4Address b = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(b)) {
            p.send(Raw.of().u8(4).u16(65001).u16(2).u32(id(b)).u8(0).message(1));
            assertNotification(p.awaitNotification(), ErrorCodes.OPEN_MESSAGE, ErrorCodes.UNACCEPTABLE_HOLD_TIME);
        }
        Inet4Address c = newPeer(65000, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(c)) {
            p.send(RawPeer.standardOpen(65000, id(v4("127.0.4.1")))); // iBGP peer claiming our identifier
            assertNotification(p.awaitNotification(), ErrorCodes.OPEN_MESSAGE, ErrorCodes.BAD_BGP_IDENTIFIER);
        }
    }

    @Test
    void unknownCapabilityIsIgnoredButNoCommonFamilyIsUnsupportedCapability() throws Exception {
        Inet4Address a = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(a)) {
            p.establish(RawPeer.open(65001, id(a), 90, new Capability.Multiprotocol(Family.IPV4_UNICAST),
                    new Capability.Unknown(200, new byte[] {1, 2, 3})));
            Poll.until("established despite an unknown capability", T, () -> speaker.peer(a).orElseThrow().established());
        }
        Inet4Address b = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(b)) {
            p.send(RawPeer.open(65001, id(b), 90, new Capability.Multiprotocol(Family.IPV6_UNICAST)));
            BgpMessage.Notification n = p.awaitNotification();
            assertNotification(n, ErrorCodes.OPEN_MESSAGE, ErrorCodes.UNSUPPORTED_CAPABILITY);
            assertThat(n.data()).containsExactly(1, 4, 0, 1, 0, 1);
        }
    }

    @Test
    void headerErrorsInEstablished() throws Exception {
        Inet4Address a = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(a)) {
            p.establish(RawPeer.standardOpen(65001, id(a)));
            byte[] bad = BgpCodec.encode(BgpMessage.Keepalive.INSTANCE, CodecOptions.FOUR_OCTET_AS);
            bad[0] = 0;
            p.send(bad);
            assertNotification(p.awaitNotification(), ErrorCodes.MESSAGE_HEADER, ErrorCodes.CONNECTION_NOT_SYNCHRONIZED);
        }
        Inet4Address b = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(b)) {
            p.establish(RawPeer.standardOpen(65001, id(b)));
            p.send(Raw.of().u8(0).message(BgpMessage.TYPE_KEEPALIVE));
            BgpMessage.Notification n = p.awaitNotification();
            assertNotification(n, ErrorCodes.MESSAGE_HEADER, ErrorCodes.BAD_MESSAGE_LENGTH);
            assertThat(n.data()).containsExactly(0, 20);
        }
        Inet4Address c = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(c)) {
            p.establish(RawPeer.standardOpen(65001, id(c)));
            p.send(Raw.of().message(9));
            assertNotification(p.awaitNotification(), ErrorCodes.MESSAGE_HEADER, ErrorCodes.BAD_MESSAGE_TYPE);
        }
    }

    @Test
    void updateBeforeEstablishedIsAnFsmError() throws Exception {
        Inet4Address a = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(a)) {
            p.send(RawPeer.standardOpen(65001, id(a)));
            assertThat(p.receive()).isInstanceOf(BgpMessage.Open.class);
            p.send(BgpCodec.encode(BgpMessage.Update.endOfRib(Family.IPV4_UNICAST), CodecOptions.FOUR_OCTET_AS));
            assertNotification(p.awaitNotification(), ErrorCodes.FSM, ErrorCodes.FSM_UNEXPECTED_IN_OPENCONFIRM);
        }
    }

    @Test
    void duplicateMpReachResetsTheSession() throws Exception {
        Inet4Address a = newPeer(65001, Set.of(Family.IPV4_UNICAST, Family.IPV6_UNICAST));
        try (RawPeer p = connect(a)) {
            p.establish(RawPeer.open(65001, id(a), 90, new Capability.Multiprotocol(Family.IPV4_UNICAST),
                    new Capability.Multiprotocol(Family.IPV6_UNICAST), new Capability.FourOctetAs(65001)));
            byte[] mp = Raw.of().u16(2).u8(1, 16).bytes(new byte[16]).u8(0).body();
            byte[] attr = Raw.of().u8(0x80, 14, mp.length).bytes(mp).body();
            p.send(Raw.update(Raw.concat(Raw.ORIGIN_IGP, new byte[] {0x40, 2, 6, 2, 1, 0, 0, (byte) 0xfd, (byte) 0xe9}, attr, attr), new byte[0]));
            assertNotification(p.awaitNotification(), ErrorCodes.UPDATE_MESSAGE, ErrorCodes.MALFORMED_ATTRIBUTE_LIST);
        }
    }

    @Test
    void treatAsWithdrawKeepsTheSessionAndWithdrawsTheRoute() throws Exception {
        Inet4Address a = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        byte[] asPath = {0x40, 2, 6, 2, 1, 0, 0, (byte) 0xfd, (byte) 0xe9}; // AS_SEQUENCE [65001]
        byte[] nlri = {16, 10, 77};
        try (RawPeer p = connect(a)) {
            p.establish(RawPeer.standardOpen(65001, id(a)));
            p.send(Raw.update(Raw.concat(Raw.ORIGIN_IGP, asPath, Raw.NEXT_HOP_10_0_0_1), nlri));
            Poll.until("route installed", T, () -> speaker.locRib(Family.IPV4_UNICAST).stream().anyMatch(r -> r.prefix().equals(IpPrefix.parse("10.77.0.0/16"))));
            // the same prefix again with an invalid ORIGIN: RFC 7606 treat-as-withdraw
            p.send(Raw.update(Raw.concat(new byte[] {0x40, 1, 1, 9}, asPath, Raw.NEXT_HOP_10_0_0_1), nlri));
            Poll.until("route withdrawn", T, () -> speaker.locRib(Family.IPV4_UNICAST).stream().noneMatch(r -> r.prefix().equals(IpPrefix.parse("10.77.0.0/16"))));
            PeerStatus st = speaker.peer(a).orElseThrow();
            assertThat(st.established()).isTrue();
            assertThat(st.softErrors()).isEqualTo(1);
            assertThat(st.notificationsSent()).isZero();
            // an attribute-discard error leaves the route in place
            byte[] badAtomic = {0x40, 6, 1, 0};
            p.send(Raw.update(Raw.concat(Raw.ORIGIN_IGP, asPath, Raw.NEXT_HOP_10_0_0_1, badAtomic), nlri));
            Poll.until("route installed despite the discarded attribute", T, () -> speaker.locRib(Family.IPV4_UNICAST).stream()
                    .anyMatch(r -> r.prefix().equals(IpPrefix.parse("10.77.0.0/16"))));
            assertThat(speaker.peer(a).orElseThrow().softErrors()).isEqualTo(2);
        }
    }

    /** An UPDATE of exactly {@code length} octets: AS_SEQUENCE [65001], /24s under 10.0/16, then one shorter prefix. */
    static byte[] updateOfLength(int length) {
        Raw body = Raw.of().u16(0).u16(20).bytes(Raw.ORIGIN_IGP).u8(0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9).bytes(Raw.NEXT_HOP_10_0_0_1);
        int left = length - 19 - body.size();
        for (int i = 0; i < left / 4; i++) {
            body.u8(24, 10, (i >> 8) & 0xff, i & 0xff);
        }
        switch (left % 4) {
            case 1 -> body.u8(0);
            case 2 -> body.u8(8, 11);
            case 3 -> body.u8(16, 11, 0);
            default -> {
            }
        }
        byte[] m = body.message(BgpMessage.TYPE_UPDATE);
        assertThat(m.length).isEqualTo(length);
        return m;
    }

    @Test
    void anUpdateOver4096OctetsIsBadMessageLengthWithoutExtendedMessages() throws Exception {
        Inet4Address a = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(a)) {
            p.establish(RawPeer.standardOpen(65001, id(a)));
            p.send(updateOfLength(5002));
            BgpMessage.Notification n = p.awaitNotification();
            assertNotification(n, ErrorCodes.MESSAGE_HEADER, ErrorCodes.BAD_MESSAGE_LENGTH);
            assertThat(n.data()).containsExactly(0x13, 0x8a); // RFC 8654 §4 / RFC 4271 §6.1: the length
        }
    }

    @Test
    void anUpdateOver4096OctetsIsAcceptedWithExtendedMessages() throws Exception {
        Inet4Address a = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(a)) {
            p.establish(RawPeer.open(65001, id(a), 90, new Capability.Multiprotocol(Family.IPV4_UNICAST), new Capability.FourOctetAs(65001),
                    new Capability.ExtendedMessage()));
            p.send(updateOfLength(65534));
            Poll.until("all 16,373 prefixes of one 65,534-octet UPDATE received", T, () -> speaker.peer(a).orElseThrow().received() == 16373);
            assertThat(speaker.peer(a).orElseThrow().established()).isTrue();
        }
    }

    @Test
    void openInTheRfc9072FormatEstablishes() throws Exception {
        Inet4Address a = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(a)) {
            // Non-Ext OP Len 255, Non-Ext OP Type 255, Extended Opt. Parm. Length 18: Multiprotocol IPv4 unicast and
            // 4-octet AS 65001, each in a Capabilities parameter with a 2-octet length
            p.send(Raw.of().u8(4).u16(65001).u16(90).u32(id(a) & 0xffffffffL).u8(255, 255).u16(18)
                    .u8(2).u16(6).hex("010400010001").u8(2).u16(6).hex("41040000fde9").message(BgpMessage.TYPE_OPEN));
            assertThat(p.receive()).isInstanceOf(BgpMessage.Open.class);
            p.send(BgpMessage.Keepalive.INSTANCE);
            Poll.until("established", T, () -> speaker.peer(a).orElseThrow().established());
        }
    }

    @Test
    void malformedAttributesWithoutNlriResetTheSession() throws Exception {
        Inet4Address a = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(a)) {
            p.establish(RawPeer.standardOpen(65001, id(a)));
            p.send(Raw.update(Raw.concat(new byte[] {0x40, 1, 1, 9}, Raw.EMPTY_AS_PATH, Raw.NEXT_HOP_10_0_0_1), new byte[0]));
            BgpMessage.Notification n = p.awaitNotification();
            assertNotification(n, ErrorCodes.UPDATE_MESSAGE, ErrorCodes.INVALID_ORIGIN_ATTRIBUTE);
            assertThat(n.data()).containsExactly(0x40, 1, 1, 9);
        }
    }

    @Test
    void malformedRouteRefreshWithEnhancedRouteRefreshIs7Slash1() throws Exception {
        Inet4Address a = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(a)) {
            p.establish(RawPeer.open(65001, id(a), 90, new Capability.Multiprotocol(Family.IPV4_UNICAST), new Capability.FourOctetAs(65001),
                    new Capability.RouteRefreshSupport(), new Capability.EnhancedRouteRefresh()));
            byte[] unknownSubtype = Raw.of().u16(1).u8(7, 1).message(BgpMessage.TYPE_ROUTE_REFRESH);
            p.send(unknownSubtype); // RFC 7313 §5: ignored
            byte[] eorr = Raw.of().u16(1).u8(2, 1, 0).message(BgpMessage.TYPE_ROUTE_REFRESH);
            p.send(eorr);
            BgpMessage.Notification n = p.awaitNotification();
            assertNotification(n, ErrorCodes.ROUTE_REFRESH_MESSAGE, ErrorCodes.INVALID_MESSAGE_LENGTH);
            assertThat(n.data()).containsExactly(eorr);
            assertThat(speaker.peer(a).orElseThrow().routeRefreshesReceived()).isEqualTo(1);
        }
    }

    @Test
    void holdTimerExpiryIsNotified() throws Exception {
        Inet4Address a = newPeer(65001, Set.of(Family.IPV4_UNICAST));
        try (RawPeer p = connect(a)) {
            p.establish(RawPeer.open(65001, id(a), 3, new Capability.Multiprotocol(Family.IPV4_UNICAST)));
            // we send nothing: after 3 s the speaker's hold timer expires
            assertNotification(p.awaitNotification(), ErrorCodes.HOLD_TIMER_EXPIRED, 0);
        }
    }
}
