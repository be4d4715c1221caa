package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.StoreException;
import dev.viaduct.testsupport.FuzzBounds;
import java.util.function.Function;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz target for the records IPAM reads from the store (Jazzer), the bytes any writer to etcd
 * controls: pools, blocks, handles and GC sightings through {@link WireFormat}, and the node records it reads
 * labels and the deletion mark from. Without {@code JAZZER_FUZZ=1} it replays its corpus in
 * {@code src/test/resources/dev/viaduct/ipam/IpamRecordFuzzTestInputs/records/} (one record of each kind as
 * IPAM writes it, and node records as the agent and kube-controllers write them); with it, Jazzer mutates from
 * there.
 *
 * <p>The property: a value decodes to its record or throws {@link StoreException} of reason CORRUPT naming the
 * key — never a Jackson or runtime exception — a decoded record re-encodes to JSON that decodes to an equal
 * record, and reading a node record's labels or deletion mark never throws; one input takes at most
 * {@link FuzzBounds#SECONDS_PER_INPUT} and allocates at most {@link FuzzBounds#BYTES_PER_INPUT}.
 */
class IpamRecordFuzzTest {
    private static final String KEY = "/viaduct/fuzz";

    @FuzzTest
    @Timeout(FuzzBounds.SECONDS_PER_INPUT)
    void records(byte[] value) {
        FuzzBounds.within(() -> {
            KeyValue kv = new KeyValue(KEY, value, 1, 1, 1, 0);
            decodeAndRoundTrip(kv, WireFormat::decodePool, WireFormat::encode);
            decodeAndRoundTrip(kv, WireFormat::decodeBlock, WireFormat::encode);
            decodeAndRoundTrip(kv, WireFormat::decodeHandle, WireFormat::encode);
            decodeAndRoundTrip(kv, WireFormat::decodeSighting, WireFormat::encode);
            assertThat(NodesInStore.labelsOf(kv)).isNotNull();
            NodeReclamation.deletionMarked(kv);
        });
    }

    private static <T> void decodeAndRoundTrip(KeyValue kv, Function<KeyValue, T> decode, Function<T, byte[]> encode) {
        T record;
        try {
            record = decode.apply(kv);
        } catch (StoreException e) {
            assertThat(e.reason()).isEqualTo(StoreException.Reason.CORRUPT);
            assertThat(e.getMessage()).contains(KEY);
            return;
        }
        assertThat(decode.apply(new KeyValue(KEY, encode.apply(record), 1, 1, 1, 0))).as("re-decoded %s", record).isEqualTo(record);
    }
}
