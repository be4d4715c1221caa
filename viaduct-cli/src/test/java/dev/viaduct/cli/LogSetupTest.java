package dev.viaduct.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.sys.log.Log;
import dev.viaduct.sys.log.LogFields;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
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
        assertThat(j.get("key").asString()).isEqualTo(value);
    }

    /** A value built to break naive formats: separators, quotes, escapes, line breaks, a fake field. */
    static final String NASTY = "a=b c=\"d\" \\x\\\"\nmsg=evil\r\tlevel=error\u0001 end\\";

    /** Logs through the real path (System.Logger → JUL) and returns the record the handler received. */
    static LogRecord logged(java.util.function.Consumer<System.Logger> call) {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("viaduct.logtest");
        List<LogRecord> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(LogRecord r) {
                got.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.setUseParentHandlers(false);
        jul.setLevel(Level.ALL);
        jul.addHandler(h);
        try {
            call.accept(System.getLogger("viaduct.logtest"));
        } finally {
            jul.removeHandler(h);
            jul.setUseParentHandlers(true);
        }
        assertThat(got).hasSize(1);
        return got.getFirst();
    }

    @Test
    void fieldsPassedAsFieldsSurviveAnyValueInBothFormats() {
        LogRecord r = logged(l -> Log.info(l, "cni add", "handle", NASTY, "pod", "ns/p=1", "ms", 12.5, "n", 3L, "ok", true));
        JsonNode j = json(r);
        assertThat(j.get("msg").asString()).isEqualTo("cni add");
        assertThat(j.get("level").asString()).isEqualTo("info");
        assertThat(j.get("handle").asString()).isEqualTo(NASTY);
        assertThat(j.get("pod").asString()).isEqualTo("ns/p=1");
        assertThat(j.get("ms").isNumber()).isTrue();
        assertThat(j.get("ms").asDouble()).isEqualTo(12.5);
        assertThat(j.get("n").asLong()).isEqualTo(3L);
        assertThat(j.get("ok").asBoolean()).isTrue();
        assertThat(j.propertyNames()).containsExactly("ts", "level", "logger", "msg", "handle", "pod", "ms", "n", "ok");

        String line = kv(r);
        assertThat(line).endsWith("\n");
        assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n", "\r");
        List<Map.Entry<String, String>> fields = Logfmt.parse(line.substring(0, line.length() - 1));
        assertThat(fields).extracting(Map.Entry::getKey)
                .containsExactly("ts", "level", "logger", "msg", "handle", "pod", "ms", "n", "ok");
        Map<String, String> m = new java.util.LinkedHashMap<>();
        fields.forEach(e -> m.put(e.getKey(), e.getValue()));
        assertThat(m).containsEntry("msg", "cni add").containsEntry("level", "info").containsEntry("handle", NASTY)
                .containsEntry("pod", "ns/p=1").containsEntry("ms", "12.500").containsEntry("n", "3");
    }

    @Test
    void patternParametersStayInsideTheirFieldWhateverTheyHold() {
        // the old formatter re-parsed the rendered text: this value added fields and changed msg
        LogRecord r = logged(l -> l.log(System.Logger.Level.WARNING, "peer down node={0} reason={1}", "n1", NASTY));
        JsonNode j = json(r);
        assertThat(j.get("msg").asString()).isEqualTo("peer down");
        assertThat(j.get("level").asString()).isEqualTo("warning");
        assertThat(j.get("node").asString()).isEqualTo("n1");
        assertThat(j.get("reason").asString()).isEqualTo(NASTY);
        assertThat(j.propertyNames()).containsExactly("ts", "level", "logger", "msg", "node", "reason");
        String line = kv(r);
        List<Map.Entry<String, String>> fields = Logfmt.parse(line.strip());
        assertThat(fields.getFirst().getKey()).isEqualTo("ts");
        assertThat(fields.subList(1, fields.size())).containsExactly(Map.entry("level", "warning"),
                Map.entry("logger", "viaduct.logtest"), Map.entry("msg", "peer down"), Map.entry("node", "n1"),
                Map.entry("reason", NASTY));
    }

    @Test
    void anExceptionPassedWithFieldsIsWrittenAsErrorAndStack() {
        LogRecord r = logged(l -> Log.error(l, "route pass failed", new IllegalStateException("no\nroute"), "routes", 4));
        JsonNode j = json(r);
        assertThat(j.get("level").asString()).isEqualTo("error");
        assertThat(j.get("routes").asInt()).isEqualTo(4);
        assertThat(j.get("error").asString()).isEqualTo("java.lang.IllegalStateException: no\nroute");
        assertThat(j.get("stack").asString()).contains("LogSetupTest");
        assertThat(Logfmt.parse(kv(r).strip())).contains(Map.entry("error", "java.lang.IllegalStateException: no\nroute"));
    }

    @Test
    void aPlainFormatterStillShowsTheFields() {
        LogRecord r = logged(l -> Log.info(l, "cni del", "handle", "h 1", "released", 2));
        assertThat(new java.util.logging.SimpleFormatter().formatMessage(r)).isEqualTo("cni del handle=\"h 1\" released=2");
    }

    @Property(tries = 300)
    void anyFieldValueSurvivesTheRoundTripThroughLogfmt(@ForAll String value) {
        net.jqwik.api.Assume.that(value.chars().noneMatch(c -> Character.isSurrogate((char) c)));
        LogRecord r = rec(Level.INFO, "event {0}", LogFields.of("key", value));
        String line = kv(r);
        assertThat(Logfmt.parse(line.substring(0, line.length() - 1))).contains(Map.entry("key", value));
        assertThat(json(r).get("key").asString()).isEqualTo(value);
    }

    /**
     * A small reference logfmt reader, written from the format's description (go-logfmt): {@code key=value}
     * pairs separated by spaces, a value either bare (up to the next space) or double-quoted with backslash
     * escapes {@code \" \\ \n \r \t \\uXXXX}. Strict: anything else fails the test.
     */
    static final class Logfmt {
        static List<Map.Entry<String, String>> parse(String line) {
            List<Map.Entry<String, String>> out = new java.util.ArrayList<>();
            int i = 0;
            int n = line.length();
            while (i < n) {
                int eq = line.indexOf('=', i);
                if (eq <= i) {
                    throw new IllegalArgumentException("no key at " + i + ": " + line);
                }
                String key = line.substring(i, eq);
                if (!key.matches("[A-Za-z0-9_.-]+")) {
                    throw new IllegalArgumentException("bad key " + key);
                }
                int v = eq + 1;
                StringBuilder val = new StringBuilder();
                if (v < n && line.charAt(v) == '"') {
                    v++;
                    while (true) {
                        if (v >= n) {
                            throw new IllegalArgumentException("unterminated value of " + key);
                        }
                        char c = line.charAt(v++);
                        if (c == '"') {
                            break;
                        }
                        if (c < 0x20) {
                            throw new IllegalArgumentException("raw control character in value of " + key);
                        }
                        if (c == '\\') {
                            char e = line.charAt(v++);
                            switch (e) {
                                case '"', '\\' -> val.append(e);
                                case 'n' -> val.append('\n');
                                case 'r' -> val.append('\r');
                                case 't' -> val.append('\t');
                                case 'u' -> {
                                    val.append((char) Integer.parseInt(line.substring(v, v + 4), 16));
                                    v += 4;
                                }
                                default -> throw new IllegalArgumentException("bad escape \\" + e);
                            }
                        } else {
                            val.append(c);
                        }
                    }
                } else {
                    while (v < n && line.charAt(v) != ' ') {
                        char c = line.charAt(v++);
                        if (c == '"' || c == '=' || c < 0x20) {
                            throw new IllegalArgumentException("unquoted value of " + key + " holds " + (int) c);
                        }
                        val.append(c);
                    }
                }
                out.add(Map.entry(key, val.toString()));
                if (v < n && line.charAt(v) != ' ') {
                    throw new IllegalArgumentException("junk after value of " + key);
                }
                i = v + 1;
            }
            return out;
        }
    }
}
