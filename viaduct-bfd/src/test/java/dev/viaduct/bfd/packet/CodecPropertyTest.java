package dev.viaduct.bfd.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Codec properties: every valid packet survives encode/decode unchanged; arbitrary and mutated bytes decode to
 * a packet or to a typed {@link Decoded.Invalid}, never an exception; and whatever decodes re-encodes to
 * exactly the bytes received (what authentication verification relies on).
 */
class CodecPropertyTest {

    @Property(tries = 2000)
    void decodeOfEncodeIsIdentity(@ForAll("validPackets") ControlPacket p) {
        byte[] wire = BfdCodec.encode(p);
        assertThat(wire).hasSize(p.length());
        assertThat(BfdCodec.decode(wire)).isEqualTo(new Decoded.Valid(p));
    }

    @Property(tries = 5000)
    void randomBytesGiveOnlyTypedResults(@ForAll @Size(max = 80) byte[] payload) {
        Decoded d = BfdCodec.decode(payload);
        assertReencodesExactly(payload, d);
    }

    @Property(tries = 5000)
    void mutatedPacketsGiveOnlyTypedResults(@ForAll("validPackets") ControlPacket p, @ForAll @IntRange(min = 0, max = 51) int at,
            @ForAll byte value, @ForAll @IntRange(min = 0, max = 60) int truncateTo) {
        byte[] wire = BfdCodec.encode(p);
        byte[] mutated = Arrays.copyOf(wire, Math.max(wire.length, at + 1));
        mutated[at] = value;
        assertReencodesExactly(mutated, BfdCodec.decode(mutated));
        byte[] truncated = Arrays.copyOf(mutated, Math.min(truncateTo, mutated.length));
        assertReencodesExactly(truncated, BfdCodec.decode(truncated));
    }

    @Property(tries = 2000)
    void plausibleHeadersWithRandomBodiesGiveOnlyTypedResults(@ForAll @IntRange(min = 0, max = 255) int flags,
            @ForAll @IntRange(min = 24, max = 60) int length, @ForAll @Size(min = 60, max = 60) byte[] body) {
        // random bytes rarely pass the version check; force it so the later checks get exercised too
        byte[] wire = body.clone();
        wire[0] = (byte) (1 << 5 | (wire[0] & 0x1f));
        wire[1] = (byte) flags;
        wire[3] = (byte) length;
        assertReencodesExactly(wire, BfdCodec.decode(wire));
    }

    private static void assertReencodesExactly(byte[] input, Decoded d) {
        assertThat(d).isNotNull();
        if (d instanceof Decoded.Valid v) {
            byte[] again = BfdCodec.encode(v.packet());
            assertThat(again).isEqualTo(Arrays.copyOf(input, again.length));
            assertThat(input[3] & 0xff).isEqualTo(again.length);
        } else {
            Decoded.Invalid i = (Decoded.Invalid) d;
            assertThat(i.reason()).isNotNull();
            assertThat(i.detail()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<ControlPacket> validPackets() {
        Arbitrary<BfdState> state = Arbitraries.of(BfdState.class);
        Arbitrary<Long> u32 = Arbitraries.longs().between(0, 0xFFFF_FFFFL);
        Arbitrary<Long> nonZero = Arbitraries.longs().between(1, 0xFFFF_FFFFL);
        Arbitrary<boolean[]> flags = Arbitraries.integers().between(0, 7).map(i -> new boolean[] {(i & 1) != 0, (i & 2) != 0, (i & 4) != 0});
        Arbitrary<Integer> pf = Arbitraries.integers().between(0, 2); // neither, P, F (never both)
        return Combinators.combine(
                Arbitraries.integers().between(0, 31).map(Diagnostic::new), state, pf, flags,
                Arbitraries.integers().between(1, 255), nonZero, u32, auth())
                .as((diag, st, pollFinal, f, mult, my, your, auth) -> {
                    long yours = (st == BfdState.DOWN || st == BfdState.ADMIN_DOWN) ? your : Math.max(1, your);
                    return new ControlPacket(diag, st, pollFinal == 1, pollFinal == 2, f[0], f[1], false, mult, my, yours,
                            (my * 7) & 0xFFFF_FFFFL, (my * 13) & 0xFFFF_FFFFL, f[2] ? 50_000 : 0, auth);
                });
    }

    private Arbitrary<Optional<AuthSection>> auth() {
        Arbitrary<AuthSection> simple = Combinators.combine(Arbitraries.integers().between(0, 255),
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(16))
                .as(AuthSection.SimplePassword::new);
        Arbitrary<AuthSection> keyed = Arbitraries.of(AuthType.KEYED_MD5, AuthType.METICULOUS_KEYED_MD5, AuthType.KEYED_SHA1,
                AuthType.METICULOUS_KEYED_SHA1).flatMap(t -> Combinators.combine(Arbitraries.integers().between(0, 255),
                        Arbitraries.integers().between(0, 255), Arbitraries.longs().between(0, 0xFFFF_FFFFL),
                        Arbitraries.bytes().array(byte[].class).ofSize(t.digestLength()))
                .as((id, reserved, seq, digest) -> new AuthSection.KeyedDigest(t, id, reserved, seq, digest)));
        return Arbitraries.oneOf(Arbitraries.just(Optional.empty()), simple.map(Optional::of), keyed.map(Optional::of));
    }
}
