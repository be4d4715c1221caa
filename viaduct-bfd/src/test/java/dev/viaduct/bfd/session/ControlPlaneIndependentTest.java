package dev.viaduct.bfd.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bfd.packet.AuthKey;
import dev.viaduct.bfd.packet.AuthType;
import dev.viaduct.bfd.packet.Authentication;
import dev.viaduct.bfd.packet.BfdCodec;
import dev.viaduct.bfd.packet.ControlPacket;
import dev.viaduct.bfd.packet.Decoded;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The C bit (RFC 5880 §4.1): a session built control-plane independent sets it in every packet, and with
 * authentication the digest covers it (a receiver verifies what was sent); the default session never sets it.
 */
class ControlPlaneIndependentTest {

    private static List<ControlPacket> sent(BfdSession s) {
        List<ControlPacket> out = new java.util.ArrayList<>();
        for (SessionAction a : s.handle(0, SessionEvent.START)) {
            if (a instanceof SessionAction.Transmit t) {
                out.add(t.packet());
            }
        }
        for (SessionAction a : s.handle(2_000_000_000L, SessionEvent.TICK)) {
            if (a instanceof SessionAction.Transmit t) {
                out.add(t.packet());
            }
        }
        return out;
    }

    @Test
    void independentSessionsSetTheCBitAndOthersDoNot() {
        BfdSession independent = new BfdSession("c", 7, Timers.DEFAULT, Optional.empty(), new SplittableRandom(1), 0, true);
        BfdSession shared = new BfdSession("s", 8, Timers.DEFAULT, Optional.empty(), new SplittableRandom(1), 0);
        List<ControlPacket> c = sent(independent);
        List<ControlPacket> s = sent(shared);
        assertThat(c).hasSizeGreaterThanOrEqualTo(2).allMatch(ControlPacket::controlPlaneIndependent);
        assertThat(s).hasSizeGreaterThanOrEqualTo(2).noneMatch(ControlPacket::controlPlaneIndependent);
        // on the wire: byte 1 carries P F C A D M in its low six bits; C is 0x08
        byte[] wire = BfdCodec.encode(c.getFirst());
        assertThat(wire[1] & 0x08).isEqualTo(0x08);
        assertThat(BfdCodec.encode(s.getFirst())[1] & 0x08).isZero();
    }

    @Test
    void theDigestCoversTheCBit() {
        AuthKey key = AuthKey.of(AuthType.KEYED_SHA1, 1, "secret-key");
        BfdSession independent = new BfdSession("c", 9, Timers.DEFAULT, Optional.of(key), new SplittableRandom(2), 0, true);
        ControlPacket p = sent(independent).getFirst();
        assertThat(p.controlPlaneIndependent()).isTrue();
        byte[] wire = BfdCodec.encode(p);
        Decoded d = BfdCodec.decode(ByteBuffer.wrap(wire));
        assertThat(d).isInstanceOf(Decoded.Valid.class);
        assertThat(Authentication.verify(((Decoded.Valid) d).packet(), Optional.of(key))).isEmpty();
        // flip C on the wire: the digest no longer matches
        wire[1] ^= 0x08;
        Decoded tampered = BfdCodec.decode(ByteBuffer.wrap(wire));
        assertThat(tampered).isInstanceOf(Decoded.Valid.class);
        assertThat(Authentication.verify(((Decoded.Valid) tampered).packet(), Optional.of(key))).isPresent();
    }
}
