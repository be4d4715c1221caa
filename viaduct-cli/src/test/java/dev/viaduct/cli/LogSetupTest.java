package dev.viaduct.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class LogSetupTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    static LogRecord rec(Level l, String msg, Object... params) {
        LogRecord r = new LogRecord(l, msg);
        r.setLoggerName("viaduct.cni");
        r.setParameters(params);
        r.setInstant(java.time.Instant.parse("2025-01-02T03:04:05.678Z"));
        return r;
    }

    static String kv(LogRecord r) {
        return new LogSetup.KeyValue().format(r);
    }

    static JsonNode json(LogRecord r) {
        String line = new LogSetup.Json().format(r);
        assertThat(line).endsWith("\n").doesNotContain("\n\n");
        assertThat(line.strip()).doesNotContain("\n");
        return JSON.readTree(line);
    }

    @Test
    void keyValueLinesAreLogfmtWithTheEventAsMsgAndThePodNamed() throws Exception {
        LogRecord r = rec(Level.INFO, "cni add handle={0} pod={1}/{2} ips={3} ms={4}", "viaduct.c1.eth0", "lab", "p1",
                List.of(InetAddress.getByName("10.244.1.5")), 1234.5);
        assertThat(kv(r)).isEqualTo("ts=2025-01-02T03:04:05.678Z level=info logger=viaduct.cni msg=\"cni add\" "
                + "handle=viaduct.c1.eth0 pod=lab/p1 ips=10.244.1.5 ms=1234.500\n");
    }

    @Test
    void numbersAreNotGroupedAndApostrophesDoNotSwallowParameters() {
        // MessageFormat would print 12,345 and treat "agent's" as the start of a quoted literal
        LogRecord r = rec(Level.WARNING, "cluster config differs from this agent's file; the store wins stored={0} count={1}",
                "a", 12345L);
        String line = kv(r);
        assertThat(line).contains("stored=a count=12345").contains("level=warning")
                .contains("msg=\"cluster config differs from this agent's file; the store wins\"");
    }

    @Test
    void valuesWithSpacesAreQuotedAndParseBackExactly() {
        LogRecord r = rec(Level.WARNING, "peer not on-link node={0} reason={1}", "n3", "10.1.0.3 is not in 10.168.0.0/24 \"eth0\"");
        String line = kv(r);
        assertThat(line).contains("reason=\"10.1.0.3 is not in 10.168.0.0/24 \\\"eth0\\\"\"");
        JsonNode j = json(r);
        assertThat(j.get("reason").asString()).isEqualTo("10.1.0.3 is not in 10.168.0.0/24 \"eth0\"");
        assertThat(j.get("node").asString()).isEqualTo("n3");
        assertThat(j.get("msg").asString()).isEqualTo("peer not on-link");
    }

    @Test
    void alreadyQuotedPlaceholdersAndProseAfterFieldsStayReadable() {
        LogRecord r = rec(Level.WARNING, "node lease lost lease={0} reason=\"{1}\": registering again", "7e57", "lease expired");
        JsonNode j = json(r);
        assertThat(j.get("lease").asString()).isEqualTo("7e57");
        assertThat(j.get("reason").asString()).isEqualTo("lease expired");
        assertThat(j.get("msg").asString()).isEqualTo("node lease lost registering again");
        assertThat(j.get("level").asString()).isEqualTo("warning");
        assertThat(j.get("ts").asString()).isEqualTo("2025-01-02T03:04:05.678Z");
    }

    @Test
    void exceptionsAndMultiLineTextStayOnOneLine() {
        LogRecord r = rec(Level.SEVERE, "route reconcile pass failed: boom\nsecond line");
        r.setThrown(new IllegalStateException("bad\nthing"));
        String line = kv(r);
        assertThat(line.strip()).doesNotContain("\n");
        assertThat(line).contains("level=error").contains("error=\"java.lang.IllegalStateException: bad\\nthing\"");
        JsonNode j = json(r);
        assertThat(j.get("stack").asString()).contains("IllegalStateException").contains("LogSetupTest");
        assertThat(j.get("error").asString()).isEqualTo("java.lang.IllegalStateException: bad\nthing");
    }

    @Test
    void reservedNamesInMessagesDoNotOverwriteTheLineFields() {
        JsonNode j = json(rec(Level.INFO, "odd event level={0} ts={1}", "x", "y"));
        assertThat(j.get("level").asString()).isEqualTo("info");
        assertThat(j.get("field_level").asString()).isEqualTo("x");
        assertThat(j.get("field_ts").asString()).isEqualTo("y");
    }

    @Property(tries = 300)
    void anyValueSurvivesTheRoundTripThroughJson(@ForAll String value) {
        net.jqwik.api.Assume.that(value.chars().noneMatch(c -> Character.isSurrogate((char) c)));
        JsonNode j = json(rec(Level.INFO, "event key={0}", value));
        assertThat(j.get("key").asString()).isEqualTo(value.replaceAll("[\\x00-\\x1f&&[^\\n\\r\\t]]", " "));
    }
}
