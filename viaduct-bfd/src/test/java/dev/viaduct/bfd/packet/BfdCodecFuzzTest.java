package dev.viaduct.bfd.packet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.viaduct.testsupport.FuzzBounds;
import java.util.Optional;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz target for BFD control packets (Jazzer). Without {@code JAZZER_FUZZ=1} it replays its
 * corpus in {@code src/test/resources/dev/viaduct/bfd/packet/BfdCodecFuzzTestInputs/controlPacket/} (seeded
 * with the BIRD and FRR packets of {@code golden/peers.txt}); with it, Jazzer mutates from there.
 *
 * <p>The property: any UDP payload decodes to {@link Decoded.Valid} or {@link Decoded.Invalid} naming a
 * RFC 5880 §6.8.6 reception check — the decoder never throws — a valid packet re-encodes to a packet that
 * decodes equal, and checking its authentication section (§6.7) against the matching key type, or no key,
 * gives a verdict rather than an exception; one input takes at most {@link FuzzBounds#SECONDS_PER_INPUT} and
 * allocates at most {@link FuzzBounds#BYTES_PER_INPUT}.
 */
class BfdCodecFuzzTest {

    @FuzzTest
    @Timeout(FuzzBounds.SECONDS_PER_INPUT)
    void controlPacket(byte[] payload) {
        FuzzBounds.within(() -> {
            Decoded d = BfdCodec.decode(payload);
            switch (d) {
                case Decoded.Invalid invalid -> {
                    assertThat(invalid.reason()).isNotNull();
                    assertThat(invalid.detail()).isNotBlank();
                }
                case Decoded.Valid valid -> {
                    ControlPacket p = valid.packet();
                    assertThat(BfdCodec.decode(BfdCodec.encode(p))).isEqualTo(d);
                    Optional<AuthKey> key = p.auth().map(a -> AuthKey.of(a.type(), a.keyId(), "viaduct"));
                    assertThat(Authentication.verify(p, key)).isNotNull();
                    assertThat(Authentication.verify(p, Optional.empty()).isPresent()).isEqualTo(p.auth().isPresent());
                }
            }
        });
    }
}
