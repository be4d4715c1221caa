package dev.viaduct.bfd.daemon.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LineJsonTest {
    @Test
    void writtenStringsReadBackExactlyAndStayOnOneLine() throws Exception {
        String nasty = "a\"b\\c\nd\re\tf\u0001g\u2028h é/";
        LineJson.Obj o = LineJson.Obj.create().put("s", nasty).put("n", -42L).put("t", true);
        LineJson.Arr a = o.putArray("xs");
        a.addObject().put("k", 1L).end();
        a.addObject().end();
        a.end();
        o.putObject("inner").put("z", false).end();
        String text = o.text();
        assertThat(text).doesNotContain("\n", "\r", "\u2028");
        assertThat(LineJson.parse(text)).isEqualTo(Map.of("s", nasty, "n", -42L, "t", true,
                "xs", List.of(Map.of("k", 1L), Map.of()), "inner", Map.of("z", false)));
    }

    @Test
    void readsWhatOtherWritersWrite() throws Exception {
        Object v = LineJson.parse(" {\"a\" : [1, -0, 2.5e3, 9223372036854775808, null, \"\\u00e9\\/\"], \"a2\": {}} ");
        assertThat(v).isEqualTo(Map.of("a", List.of(1L, 0L, 2500.0, new BigInteger("9223372036854775808"), LineJson.NULL, "é/"),
                "a2", Map.of()));
    }

    @Test
    void badTextSaysWhere() {
        for (String bad : List.of("", "{", "{\"a\":}", "{\"a\":1,}", "[1 2]", "01", "\"\\x\"", "{} x", "tru", "\"a\nb\"", "-",
                "[".repeat(100) + "]".repeat(100))) {
            assertThatThrownBy(() -> LineJson.parse(bad)).as(bad).isInstanceOf(LineJson.SyntaxException.class)
                    .hasMessageContaining("at character");
        }
    }
}
