package dev.viaduct.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ops.config.ConfigException;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.viaduct.testsupport.FuzzBounds;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz targets for the agent's config reader (Jazzer). Without {@code JAZZER_FUZZ=1} each
 * replays its corpus in {@code src/test/resources/dev/viaduct/agent/config/AgentConfigFuzzTestInputs/<target>/}
 * (config files as text); with it, Jazzer mutates from there.
 *
 * <p>The property: any file text gives a config or a {@link ConfigException} with a message — never a Jackson
 * or runtime exception — and parsing is a function of the text (the same text parses to an equal config); one
 * input takes at most {@link FuzzBounds#SECONDS_PER_INPUT} and allocates at most
 * {@link FuzzBounds#BYTES_PER_INPUT}.
 */
class AgentConfigFuzzTest {

    @FuzzTest
    @Timeout(FuzzBounds.SECONDS_PER_INPUT)
    void yaml(byte[] file) {
        FuzzBounds.within(() -> parse(new String(file, StandardCharsets.UTF_8), false));
    }

    @FuzzTest
    @Timeout(FuzzBounds.SECONDS_PER_INPUT)
    void json(byte[] file) {
        FuzzBounds.within(() -> parse(new String(file, StandardCharsets.UTF_8), true));
    }

    private static void parse(String text, boolean json) {
        AgentConfig c;
        try {
            c = AgentConfig.parse(text, json);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        try {
            assertThat(AgentConfig.parse(text, json)).isEqualTo(c);
        } catch (ConfigException e) {
            throw new AssertionError("parsed once, not twice: " + e, e);
        }
    }
}
