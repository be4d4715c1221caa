package dev.viaduct.bfd.packet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** RFC 5880 §6.7: signing and verification of every authentication type, and each way verification fails. */
class AuthenticationTest {
    static final ControlPacket P = ControlPacket.of(Diagnostic.NONE, BfdState.UP, false, false, 3, 0x1234, 0x5678, 100_000, 100_000);

    @Property(tries = 200)
    void signedPacketsVerifyAfterTheWire(@ForAll AuthType type, @ForAll long seq) {
        AuthKey key = AuthKey.of(type, 5, "s3cret");
        ControlPacket signed = Authentication.sign(P, key, seq & 0xFFFF_FFFFL);
        ControlPacket received = ((Decoded.Valid) BfdCodec.decode(BfdCodec.encode(signed))).packet();
        assertThat(Authentication.verify(received, Optional.of(key))).isEmpty();
    }

    @Test
    void keyedDigestCarriesTheHashNotTheKey() {
        AuthKey key = AuthKey.of(AuthType.KEYED_SHA1, 1, "topsecret");
        AuthSection.KeyedDigest k = (AuthSection.KeyedDigest) Authentication.sign(P, key, 42).auth().orElseThrow();
        assertThat(k.sequence()).isEqualTo(42);
        assertThat(k.length()).isEqualTo(28);
        assertThat(k.digest()).hasSize(20).isNotEqualTo(java.util.Arrays.copyOf("topsecret".getBytes(), 20));
    }

    @Test
    void anyChangedBitBreaksTheDigest() {
        for (AuthType t : new AuthType[] {AuthType.KEYED_MD5, AuthType.METICULOUS_KEYED_SHA1}) {
            AuthKey key = AuthKey.of(t, 1, "k");
            byte[] wire = BfdCodec.encode(Authentication.sign(P, key, 7));
            for (int i : new int[] {0, 1, 5, 12, 19, 30, 40}) {
                byte[] tampered = wire.clone();
                tampered[i] ^= 0x01;
                if (BfdCodec.decode(tampered) instanceof Decoded.Valid v) {
                    assertThat(Authentication.verify(v.packet(), Optional.of(key))).as(t + " byte " + i)
                            .map(Authentication.Failure::reason).contains(DiscardReason.AUTH_FAILED);
                }
            }
        }
    }

    @Test
    void eachMismatchHasItsOwnReason() {
        AuthKey md5 = AuthKey.of(AuthType.KEYED_MD5, 1, "one");
        ControlPacket signed = Authentication.sign(P, md5, 1);
        assertThat(reason(signed, Optional.empty())).isEqualTo(DiscardReason.AUTH_UNEXPECTED);
        assertThat(reason(P, Optional.of(md5))).isEqualTo(DiscardReason.AUTH_MISSING);
        assertThat(reason(signed, Optional.of(AuthKey.of(AuthType.METICULOUS_KEYED_MD5, 1, "one")))).isEqualTo(DiscardReason.AUTH_TYPE_MISMATCH);
        assertThat(reason(signed, Optional.of(AuthKey.of(AuthType.KEYED_MD5, 2, "one")))).isEqualTo(DiscardReason.AUTH_KEY_ID_MISMATCH);
        assertThat(reason(signed, Optional.of(AuthKey.of(AuthType.KEYED_MD5, 1, "two")))).isEqualTo(DiscardReason.AUTH_FAILED);
        ControlPacket simple = Authentication.sign(P, AuthKey.of(AuthType.SIMPLE_PASSWORD, 3, "abc"), 0);
        assertThat(reason(simple, Optional.of(AuthKey.of(AuthType.SIMPLE_PASSWORD, 3, "abcd")))).isEqualTo(DiscardReason.AUTH_FAILED);
        assertThat(Authentication.verify(P, Optional.empty())).isEmpty();
    }

    @Test
    void keysAreValidatedAndNeverPrinted() {
        assertThatThrownBy(() -> AuthKey.of(AuthType.SIMPLE_PASSWORD, 1, "x".repeat(17)))
                .hasMessageContaining("SIMPLE_PASSWORD secret must be 1-16 bytes");
        assertThatThrownBy(() -> AuthKey.of(AuthType.KEYED_SHA1, 1, "x".repeat(21))).hasMessageContaining("1-20 bytes");
        assertThatThrownBy(() -> AuthKey.of(AuthType.KEYED_MD5, 256, "x")).hasMessageContaining("0-255");
        assertThatThrownBy(() -> AuthKey.of(AuthType.KEYED_MD5, 1, "")).hasMessageContaining("1-16 bytes");
        assertThatThrownBy(() -> AuthKey.of(AuthType.KEYED_MD5, 1, "tab\t")).hasMessageContaining("printable ASCII");
        assertThat(AuthKey.of(AuthType.KEYED_SHA1, 1, "hunter2").toString()).doesNotContain("hunter2");
    }

    private static DiscardReason reason(ControlPacket p, Optional<AuthKey> key) {
        return Authentication.verify(p, key).orElseThrow().reason();
    }
}
