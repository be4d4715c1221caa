package dev.viaduct.sys.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogFieldsTest {
    @Test
    void keysAndValuesComeInPairsAndKeysArePlainWords() {
        assertThatThrownBy(() -> LogFields.of("handle", "h", "pod"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the last key has no value: pod");
        assertThatThrownBy(() -> LogFields.of("bad key", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad key");
        assertThatThrownBy(() -> LogFields.of(7, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("position 0");
        assertThat(LogFields.of("a", 1, "b", null).fields())
                .containsExactly(new LogFields.Field("a", 1), new LogFields.Field("b", null));
    }

    @Test
    void toStringIsLogfmtWithValuesQuotedOnlyWhenNeeded() throws Exception {
        LogFields f = LogFields.of("ips", List.of(InetAddress.getByName("10.0.0.1"), InetAddress.getByName("::1")),
                "ms", 1234.5, "n", 12345L, "empty", "", "reason", "x=\"y\"\n\u0007");
        assertThat(f.toString()).isEqualTo("ips=10.0.0.1,0:0:0:0:0:0:0:1 ms=1234.500 n=12345 empty=\"\" "
                + "reason=\"x=\\\"y\\\"\\n\\u0007\"");
    }

    @Test
    void unicodeSpacesAreQuotedSoNoReaderSplitsOrTrimsThem() {
        assertThat(LogFields.logfmt("a\u3000b")).isEqualTo("\"a\u3000b\"");
        assertThat(LogFields.logfmt("\u2003")).isEqualTo("\"\u2003\"");
        assertThat(LogFields.logfmt("p\u00e9r/x-1.2")).isEqualTo("p\u00e9r/x-1.2");
    }

    @Test
    void theExceptionIsAnErrorField() {
        LogFields f = LogFields.withThrown(new IllegalStateException("boom"), "k", "v");
        assertThat(f.toString()).isEqualTo("k=v error=\"java.lang.IllegalStateException: boom\"");
    }
}
