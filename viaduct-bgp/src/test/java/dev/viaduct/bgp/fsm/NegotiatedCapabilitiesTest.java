package dev.viaduct.bgp.fsm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.wire.BgpCodec;
import dev.viaduct.bgp.wire.BgpDecodeException;
import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.BgpMessage.Open;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.ErrorCodes;
import dev.viaduct.bgp.wire.Family;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Extended Messages (RFC 8654) and Enhanced Route Refresh (RFC 7313) count only when both OPENs carry them, and
 * what they change reaches the codec options of the session; a FSM fed the errors they define answers with the
 * right NOTIFICATION.
 */
class NegotiatedCapabilitiesTest {
    static final long S = 1_000_000_000L;
    static final Capability MP = new Capability.Multiprotocol(Family.IPV4_UNICAST);
    static final Capability AS4_LOCAL = new Capability.FourOctetAs(65001);
    static final Capability AS4_PEER = new Capability.FourOctetAs(65002);

    static FsmConfig cfg(Capability... extra) {
        List<Capability> caps = new java.util.ArrayList<>(List.of(MP, AS4_LOCAL));
        caps.addAll(List.of(extra));
        return new FsmConfig(new Open(4, 65001, 90, 0x0a000001, caps), 65001, 65002, false, 5, 1, 3);
    }

    static Open peer(Capability... extra) {
        List<Capability> caps = new java.util.ArrayList<>(List.of(MP, AS4_PEER));
        caps.addAll(List.of(extra));
        return new Open(4, 65002, 90, 0x0a000002, caps);
    }

    @Test
    void bothSidesMustAdvertise() throws BgpDecodeException {
        Capability ext = new Capability.ExtendedMessage();
        Capability err = new Capability.EnhancedRouteRefresh();
        Negotiated both = OpenNegotiation.negotiate(cfg(ext, err), peer(ext, err));
        assertThat(both.codec()).isEqualTo(new CodecOptions(true, true, true));
        Negotiated onlyUs = OpenNegotiation.negotiate(cfg(ext, err), peer());
        assertThat(onlyUs.codec()).isEqualTo(CodecOptions.FOUR_OCTET_AS);
        Negotiated onlyThem = OpenNegotiation.negotiate(cfg(), peer(ext, err));
        assertThat(onlyThem.extendedMessages()).isFalse();
        assertThat(onlyThem.enhancedRouteRefresh()).isFalse();
    }

    /** Drives a FSM to Established with these OPENs and returns it. */
    static Fsm established(FsmConfig c, Open remote) {
        Fsm f = new Fsm(c);
        f.handle(new FsmEvent.Start(), 0);
        f.handle(new FsmEvent.TcpConnected(true), 0);
        f.handle(new FsmEvent.Received(remote), 0);
        f.handle(new FsmEvent.Received(BgpMessage.Keepalive.INSTANCE), 0);
        assertThat(f.state()).isInstanceOf(FsmState.Established.class);
        return f;
    }

    @Test
    void malformedRouteRefreshOnAnEnhancedSessionIsAnsweredWith7Slash1() {
        Capability err = new Capability.EnhancedRouteRefresh();
        Fsm f = established(cfg(err), peer(err));
        CodecOptions codec = ((FsmState.Established) f.state()).session().codec();
        byte[] m = HexFormat.of().parseHex("ffffffffffffffffffffffffffffffff" + "0018" + "05" + "0001" + "01" + "01" + "ff");
        BgpDecodeException e = null;
        try {
            BgpCodec.decode(m, codec);
        } catch (BgpDecodeException x) {
            e = x;
        }
        assertThat(e).isNotNull();
        List<FsmAction> actions = f.handle(new FsmEvent.DecodeFailed(e), S);
        assertThat(actions).anySatisfy(a -> assertThat(a).isEqualTo(new FsmAction.Send(
                new BgpMessage.Notification(ErrorCodes.ROUTE_REFRESH_MESSAGE, ErrorCodes.INVALID_MESSAGE_LENGTH, m))));
        assertThat(f.state()).isInstanceOf(FsmState.Idle.class);
    }
}
