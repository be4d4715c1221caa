package dev.viaduct.cni.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.viaduct.cni.ShimProtocol;
import dev.viaduct.testsupport.FuzzBounds;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz target for a CNI request as the agent receives it (Jazzer): the shim's frame from the
 * unix socket ({@link ShimProtocol#readRequest}: the runtime's environment and the network config from stdin),
 * then {@link CniRequestParser#parse}. Without {@code JAZZER_FUZZ=1} it replays its corpus in
 * {@code src/test/resources/dev/viaduct/cni/spec/CniRequestFuzzTestInputs/request/} (frames of every command,
 * as containerd and CRI-O send them); with it, Jazzer mutates from there.
 *
 * <p>The property: a frame is read or refused with {@link ShimProtocol.ShimProtocolException}, a request parses
 * or fails with {@link CniException} carrying a CNI error code — never a Jackson or runtime exception — a read
 * frame re-encodes to an equal frame, and a parsed request, written back as environment and stdin, parses to
 * an equal request; one input takes at most {@link FuzzBounds#SECONDS_PER_INPUT} and allocates at most
 * {@link FuzzBounds#BYTES_PER_INPUT}.
 */
class CniRequestFuzzTest {

    @FuzzTest
    @Timeout(FuzzBounds.SECONDS_PER_INPUT)
    void request(byte[] frame) {
        FuzzBounds.within(() -> readAndParse(frame));
    }

    private static void readAndParse(byte[] frame) {
        ShimProtocol.Request read;
        try {
            read = ShimProtocol.readRequest(new ByteArrayInputStream(frame));
        } catch (ShimProtocol.ShimProtocolException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        } catch (IOException e) {
            throw new AssertionError("a malformed frame must be a ShimProtocolException: " + e, e);
        }
        assertThat(reread(read)).isEqualTo(read);
        CniRequest parsed;
        try {
            parsed = CniRequestParser.parse(read.env(), read.stdin());
        } catch (CniException e) {
            assertThat(e.code()).isNotNull();
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        try {
            assertThat(CniRequestParser.parse(envOf(parsed), CniRequestParser.JSON.writeValueAsBytes(parsed.config().raw())))
                    .as("re-parsed %s", parsed).isEqualTo(parsed);
        } catch (CniException e) {
            throw new AssertionError("parsed once, not twice: " + e.getMessage() + " " + e.details(), e);
        }
    }

    private static ShimProtocol.Request reread(ShimProtocol.Request r) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ShimProtocol.writeRequest(r, out);
            return ShimProtocol.readRequest(new ByteArrayInputStream(out.toByteArray()));
        } catch (IOException e) {
            throw new UncheckedIOException("re-reading a frame written from a read one", e);
        }
    }

    /** The environment a runtime would set for this request: only the variables the parser reads. */
    private static Map<String, String> envOf(CniRequest r) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CNI_COMMAND", r.command().name());
        if (!r.containerId().isEmpty()) {
            env.put("CNI_CONTAINERID", r.containerId());
        }
        if (!r.ifname().isEmpty()) {
            env.put("CNI_IFNAME", r.ifname());
        }
        r.netns().ifPresent(ns -> env.put("CNI_NETNS", ns));
        env.put("CNI_ARGS", r.args().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(";")));
        return env;
    }
}
