package dev.viaduct.bfd.daemon.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.viaduct.bfd.daemon.protocol.BfddCodec.BfddProtocolException;
import dev.viaduct.testsupport.FuzzBounds;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz target for the bfdd line protocol (Jazzer): the bytes one side of the unix socket
 * receives, split into lines by {@link BfddLines} and each line decoded by {@link BfddCodec}, as the daemon
 * reads its client and the client reads the daemon. Without {@code JAZZER_FUZZ=1} it replays its corpus in
 * {@code src/test/resources/dev/viaduct/bfd/daemon/protocol/BfddCodecFuzzTestInputs/line/} (one message of
 * every kind, as the codec writes them); with it, Jazzer mutates from there.
 *
 * <p>The property: framing and decoding either give messages or throw {@link BfddProtocolException} with a
 * message — never a Jackson or runtime exception — a decoded message re-encodes to one line that decodes to
 * an equal message, and {@code decodeRequest}/{@code decodeReply} accept exactly the requests and the
 * replies; one input takes at most {@link FuzzBounds#SECONDS_PER_INPUT} and allocates at most
 * {@link FuzzBounds#BYTES_PER_INPUT}.
 */
class BfddCodecFuzzTest {

    @FuzzTest
    @Timeout(FuzzBounds.SECONDS_PER_INPUT)
    void line(byte[] stream) {
        FuzzBounds.within(() -> {
            BfddLines lines = new BfddLines(new ByteArrayInputStream(stream));
            try {
                for (String line = lines.next(); line != null; line = lines.next()) {
                    decodeAndRoundTrip(line);
                }
            } catch (BfddProtocolException e) {
                assertThat(e.getMessage()).isNotBlank();
            } catch (IOException e) {
                throw new UncheckedIOException("a byte array stream does not fail", e);
            }
        });
    }

    private static void decodeAndRoundTrip(String line) {
        BfddMessage m;
        try {
            m = BfddCodec.decode(line);
        } catch (BfddProtocolException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        String again = BfddCodec.encode(m);
        assertThat(again).as("encoding of %s", m).doesNotContain("\n");
        try {
            assertThat(BfddCodec.decode(again)).as("re-decoded %s", m).isEqualTo(m);
            if (m instanceof BfddMessage.Request) {
                assertThat(BfddCodec.decodeRequest(line)).isEqualTo(m);
            } else {
                assertThat(BfddCodec.decodeReply(line)).isEqualTo(m);
            }
        } catch (BfddProtocolException e) {
            throw new AssertionError("decoded once, not twice: " + e, e);
        }
    }
}
