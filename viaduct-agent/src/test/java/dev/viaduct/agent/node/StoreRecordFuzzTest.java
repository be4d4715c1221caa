package dev.viaduct.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.viaduct.testsupport.FuzzBounds;
import dev.viaduct.agent.bgp.BgpNodeSettings;
import dev.viaduct.agent.bgp.BgpPeerRecord;
import dev.viaduct.agent.bgp.BgpSettings;
import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.StoreException;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz target for the records the agent reads from the store (Jackson through
 * {@link JsonCodec}), the bytes any writer to etcd controls. Without {@code JAZZER_FUZZ=1} it replays its
 * corpus in {@code src/test/resources/dev/viaduct/agent/node/StoreRecordFuzzTestInputs/records/}; with it,
 * Jazzer mutates from there.
 *
 * <p>The property: a value decodes to its record or throws {@link StoreException} of reason CORRUPT — never a
 * Jackson or runtime exception — and a decoded record re-encodes to JSON that decodes to an equal record; one
 * input takes at most {@link FuzzBounds#SECONDS_PER_INPUT} and allocates at most
 * {@link FuzzBounds#BYTES_PER_INPUT}.
 */
class StoreRecordFuzzTest {
    private static final List<JsonCodec<?>> CODECS = List.of(JsonCodec.of(NodeRecord.class), JsonCodec.of(ClusterConfigRecord.class),
            JsonCodec.of(BgpSettings.class), JsonCodec.of(BgpPeerRecord.class), JsonCodec.of(BgpNodeSettings.class));

    @FuzzTest
    @Timeout(FuzzBounds.SECONDS_PER_INPUT)
    void records(byte[] value) {
        FuzzBounds.within(() -> {
            for (JsonCodec<?> codec : CODECS) {
                decodeAndRoundTrip(codec, value);
            }
        });
    }

    private static <T> void decodeAndRoundTrip(JsonCodec<T> codec, byte[] value) {
        T record;
        try {
            record = codec.decode("/viaduct/fuzz", value);
        } catch (StoreException e) {
            assertThat(e.reason()).isEqualTo(StoreException.Reason.CORRUPT);
            assertThat(e.getMessage()).contains("/viaduct/fuzz");
            return;
        }
        assertThat(codec.decode("/viaduct/fuzz", codec.encode(record))).isEqualTo(record);
    }
}
