package dev.viaduct.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ShimProtocolTest {
    @Property
    void requestRoundTrips(@ForAll("requests") ShimProtocol.Request r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ShimProtocol.writeRequest(r, out);
        assertThat(ShimProtocol.readRequest(new ByteArrayInputStream(out.toByteArray()))).isEqualTo(r);
    }

    @Property
    void replyRoundTrips(@ForAll int code, @ForAll String stdout, @ForAll String stderr) throws IOException {
        // unpaired surrogates cannot survive UTF-8; the agent only ever sends valid JSON text
        String o = new String(stdout.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.UTF_8);
        String e = new String(stderr.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.UTF_8);
        var r = new ShimProtocol.Reply(code, o, e);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ShimProtocol.writeReply(r, out);
        assertThat(ShimProtocol.readReply(new ByteArrayInputStream(out.toByteArray()))).isEqualTo(r);
    }

    @Property
    void randomBytesGiveOnlyTypedErrors(@ForAll byte[] junk) {
        try {
            ShimProtocol.readRequest(new ByteArrayInputStream(junk));
        } catch (ShimProtocol.ShimProtocolException expected) {
            // the only acceptable failure
        } catch (IOException e) {
            throw new AssertionError("untyped IOException: " + e, e);
        }
    }

    @Property
    void mutatedFramesGiveOnlyTypedErrors(@ForAll("requests") ShimProtocol.Request r, @ForAll int position,
            @ForAll byte value) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ShimProtocol.writeRequest(r, out);
        byte[] b = out.toByteArray();
        b[Math.floorMod(position, b.length)] = value;
        try {
            ShimProtocol.readRequest(new ByteArrayInputStream(b));
        } catch (ShimProtocol.ShimProtocolException expected) {
            // fine: a typed decode error
        }
    }

    @Test
    void oversizedLengthsAreRejectedBeforeAllocating() {
        byte[] frame = {'V', 'C', 'N', 'I', 1, 0, 0, 0, 0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> ShimProtocol.readRequest(new ByteArrayInputStream(frame)))
                .isInstanceOf(ShimProtocol.ShimProtocolException.class)
                .hasMessageContaining("stdin length");
    }

    @Test
    void entryWithoutEqualsIsNamed() {
        byte[] frame = {'V', 'C', 'N', 'I', 1, 0, 0, 0, 1, 0, 0, 0, 3, 'A', 'B', 'C', 0, 0, 0, 0};
        assertThatThrownBy(() -> ShimProtocol.readRequest(new ByteArrayInputStream(frame)))
                .hasMessageContaining("environment entry 0 is not KEY=VALUE");
    }

    @Provide
    Arbitrary<ShimProtocol.Request> requests() {
        Arbitrary<String> keys = Arbitraries.strings().withCharRange('A', 'Z').ofMinLength(1).ofMaxLength(20)
                .map(k -> "CNI_" + k);
        Arbitrary<String> values = Arbitraries.strings().alpha().numeric().withChars("=;/.-_ ").ofMaxLength(100);
        Arbitrary<Map<String, String>> env = Arbitraries.maps(keys, values).ofMaxSize(8);
        Arbitrary<byte[]> stdin = Arbitraries.bytes().array(byte[].class).ofMaxSize(2000);
        return Combinators.combine(env, stdin).as(ShimProtocol.Request::new);
    }
}
