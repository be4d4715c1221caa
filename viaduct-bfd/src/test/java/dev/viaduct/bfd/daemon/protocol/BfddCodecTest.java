package dev.viaduct.bfd.daemon.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.bfd.daemon.protocol.BfddCodec.BfddProtocolException;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.DesiredSession;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Event;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.SessionView;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.SetSessions;
import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.Diagnostic;
import dev.viaduct.bfd.session.Timers;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The bfdd protocol's wire form: exact lines, and errors that name the field. */
class BfddCodecTest {
    static InetAddress ip(String s) {
        return InetAddress.ofLiteral(s);
    }

    @Test
    void setSessionsIsOneLineWithMicrosecondTimers() throws Exception {
        SetSessions s = new SetSessions(7, List.of(new DesiredSession("node:n2", ip("10.0.0.12"), ip("10.0.0.11"), Optional.empty(),
                Timers.of(Duration.ofMillis(100), 3))));
        String line = BfddCodec.encode(s);
        assertThat(line).isEqualTo("{\"op\":\"set\",\"id\":7,\"sessions\":[{\"name\":\"node:n2\",\"peer\":\"10.0.0.12\","
                + "\"local\":\"10.0.0.11\",\"txUs\":100000,\"rxUs\":100000,\"multiplier\":3}]}");
        assertThat(BfddCodec.decodeRequest(line)).isEqualTo(s);
    }

    @Test
    void eventsCarryTheViewAndTheSignal() throws Exception {
        SessionView v = new SessionView("n3\nwith newline", ip("fd00::3"), ip("fd00::1"), Optional.of("eth0"), BfdState.DOWN,
                BfdState.UP, true, Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMillis(300),
                Instant.parse("2030-01-02T03:04:05.123456789Z"), 5, 6, 1, Optional.of("x"));
        Event e = new Event(0, v, BfdState.UP, BfdState.DOWN, Diagnostic.CONTROL_DETECTION_TIME_EXPIRED, "PATH_DOWN");
        String line = BfddCodec.encode(e);
        assertThat(line).doesNotContain("\n").contains("\"signal\":\"PATH_DOWN\"").contains("\"diagnostic\":1");
        assertThat(BfddCodec.decodeReply(line)).isEqualTo(e);
    }

    @Test
    void aRequestIsNotAReplyAndViceVersa() {
        String hello = BfddCodec.encode(new BfddMessage.Hello(1, 1, "agent"));
        assertThatThrownBy(() -> BfddCodec.decodeReply(hello)).isInstanceOf(BfddProtocolException.class).hasMessageContaining("op:");
        String failure = BfddCodec.encode(new BfddMessage.Failure(1, "no"));
        assertThatThrownBy(() -> BfddCodec.decodeRequest(failure)).isInstanceOf(BfddProtocolException.class).hasMessageContaining("op:");
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            not json at all                                                        | not JSON
            [1,2]                                                                  | message: must be a JSON object
            {"id":1}                                                               | op: missing
            {"op":"dance","id":1}                                                  | op: unknown message 'dance'
            {"op":"status","id":-1}                                                | id: -1 is out of range
            {"op":"status","id":1,"extra":2}                                       | extra: unknown field
            {"op":"shutdown","id":1,"adminDown":"yes"}                             | adminDown: must be true or false
            {"op":"set","id":1,"sessions":{}}                                      | sessions: must be an array
            {"op":"set","id":1,"sessions":[3]}                                     | sessions[0]: must be an object
            {"op":"set","id":1,"sessions":[{"name":"a","peer":"banana","local":"10.0.0.1","txUs":100000,"rxUs":100000,"multiplier":3}]} | sessions[0].peer: 'banana' is not an IP address
            {"op":"set","id":1,"sessions":[{"name":"a","peer":"10.0.0.2","local":"fd00::1","txUs":100000,"rxUs":100000,"multiplier":3}]} | sessions[0].local: fd00:0:0:0:0:0:0:1 is not of the family of peer 10.0.0.2
            {"op":"set","id":1,"sessions":[{"name":"a","peer":"10.0.0.2","local":"10.0.0.1","txUs":100000,"rxUs":100000,"multiplier":0}]} | sessions[0].multiplier: 0 is out of range 1..255
            {"op":"set","id":1,"sessions":[{"name":"a","peer":"10.0.0.2","local":"10.0.0.1","txUs":500,"rxUs":100000,"multiplier":3}]} | sessions[0]: desired min tx interval must be between 1 ms
            {"op":"set","id":1,"sessions":[{"name":"a","peer":"10.0.0.2","local":"10.0.0.1","rxUs":100000,"multiplier":3}]} | sessions[0].txUs: missing
            {"op":"event","id":0,"session":{},"from":"UP","to":"DOWN","diagnostic":1,"signal":"PATH_DOWN"} | session.name: missing
            {"op":"event","id":0,"session":{},"from":"UP","to":"DOWN","diagnostic":1,"signal":"MAYBE"} | signal: 'MAYBE' is not UP
            """)
    void badMessagesNameTheField(String line, String expected) {
        assertThatThrownBy(() -> BfddCodec.decode(line)).isInstanceOf(BfddProtocolException.class).hasMessageContaining(expected);
    }

    @Test
    void anyStringIsWrittenOnOneLineAndReadBackExactly() throws Exception {
        String nasty = "a\"b\\c\nd\re\tf\u0001g\u2028h é/\ud800";
        BfddMessage.Failure f = new BfddMessage.Failure(3, nasty);
        String line = BfddCodec.encode(f);
        assertThat(line).doesNotContain("\n", "\r", "\t", "\u0001");
        assertThat(BfddCodec.decode(line)).isEqualTo(f);
    }

    @Test
    void readsWhatOtherWritersWrite() throws Exception {
        assertThat(BfddCodec.decode(" {\"op\" : \"hello\",\n\"id\": 0, \"protocol\":1, \"client\":\"\\u00e9\\/\"} \n"))
                .isEqualTo(new BfddMessage.Hello(0, 1, "é/"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"op":"status","id":1.5}                          | id: must be an integer
            {"op":"status","id":1e3}                          | id: must be an integer
            {"op":"status","id":9223372036854775808}          | id: must be an integer
            {"op":"status","id":-9223372036854775809}         | id: must be an integer
            {"op":"status","id":null}                         | id: missing
            {"op":"shutdown","id":1,"adminDown":null}         | adminDown: missing
            """)
    void numbersAndNullsNameTheField(String line, String expected) {
        assertThatThrownBy(() -> BfddCodec.decode(line)).isInstanceOf(BfddProtocolException.class).hasMessage(expected);
    }

    @Test
    void badJsonSaysWhere() {
        for (String bad : List.of("{", "{\"a\":}", "{\"a\":1,}", "[1 2]", "01", "\"\\x\"", "{} x", "tru", "\"a\nb\"", "-",
                "{\"op\":\"status\",\"id\":1,\"id\":2}", "{} {}", "[".repeat(BfddCodec.MAX_DEPTH + 1) + "]".repeat(BfddCodec.MAX_DEPTH + 1))) {
            assertThatThrownBy(() -> BfddCodec.decode(bad)).as(bad).isInstanceOf(BfddProtocolException.class)
                    .hasMessageStartingWith("not JSON: ").hasMessageContaining(" at column ");
        }
        assertThatThrownBy(() -> BfddCodec.decode(" ")).isInstanceOf(BfddProtocolException.class).hasMessage("not JSON: no value");
    }

    @Test
    void nestingUpToTheLimitIsStillJsonAndRepeatedNamesAreNamed() {
        String deep = "[".repeat(BfddCodec.MAX_DEPTH) + "]".repeat(BfddCodec.MAX_DEPTH);
        assertThatThrownBy(() -> BfddCodec.decode(deep)).hasMessage("message: must be a JSON object");
        assertThatThrownBy(() -> BfddCodec.decode("{\"op\":\"status\",\"id\":1,\"id\":2}")).hasMessageContaining("Duplicate Object property \"id\"");
    }
}
