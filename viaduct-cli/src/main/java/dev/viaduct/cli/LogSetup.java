package dev.viaduct.cli;

import dev.viaduct.sys.log.Log;
import dev.viaduct.sys.log.LogFields;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line per event on stderr, as logfmt ({@code key=value}, the default) or JSON, selected by the agent
 * config's {@code log.format}. Each line has the time, level and logger, the event ({@code msg}) and its fields:
 * <pre>
 * ts=2025-01-01T10:00:00.123Z level=info logger=viaduct.cni msg="cni add" handle=viaduct.c1.eth0 pod=lab/p1 ips=10.244.1.5
 * {"ts":"2025-01-01T10:00:00.123Z","level":"info","logger":"viaduct.cni","msg":"cni add","handle":"viaduct.c1.eth0",...}
 * </pre>
 *
 * <p>Fields come from two places, never from formatted text. Code using {@link Log} passes them as a
 * {@link LogFields} parameter: those are written as given (in JSON, numbers and booleans as JSON values).
 * Code still logging {@code "event words key={0} other={1}/{2}"} through {@link System.Logger} gets its fields
 * from the message <em>pattern</em>: each {@code key=template} word of the pattern is a field whose value is the
 * template with the parameters substituted, so whatever a parameter holds stays inside its field; other words,
 * placeholders substituted, make up {@code msg}. Placeholders are substituted here, not by
 * {@link java.text.MessageFormat}, which groups numbers ({@code 1,234}) and treats apostrophes as quotes (it would
 * swallow the parameters of {@code "this agent's file: stored={0}"}). A message without parameters is read
 * the same way, so text concatenated into it can still split into fields: that is what {@link Log} is for.
 *
 * <p>logfmt values are quoted when they need it (see {@link LogFields#logfmt}) and JSON strings escaped, so a
 * reader gets back exactly the value and an event is always one line. An exception becomes an {@code error}
 * field (and, in JSON, a {@code stack} field).
 */
public final class LogSetup {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(\\d+)(,[^}]*)?}");
    private static final List<String> RESERVED = List.of("ts", "level", "logger", "msg");
    private static final List<Logger> QUIETED = new java.util.concurrent.CopyOnWriteArrayList<>();

    private LogSetup() {
    }

    public static void install(String format, String level) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        Level l = switch (level) {
            case "debug" -> Level.FINE;
            case "warning" -> Level.WARNING;
            case "error" -> Level.SEVERE;
            default -> Level.INFO;
        };
        ConsoleHandler h = new ConsoleHandler();
        h.setLevel(l);
        h.setFormatter(formatter(format));
        root.addHandler(h);
        root.setLevel(l);
        // jetcd/grpc/netty log through JUL too; their INFO chatter is noise for operators. JUL holds loggers
        // weakly: without the strong references in QUIETED a collected logger would forget its level.
        for (String name : List.of("io.grpc", "io.netty", "io.etcd")) {
            Logger quiet = Logger.getLogger(name);
            quiet.setLevel(Level.WARNING);
            QUIETED.add(quiet);
        }
    }

    /** The formatter for a {@code log.format} value: {@code json}, else logfmt. */
    public static Formatter formatter(String format) {
        return format.equals("json") ? new Json() : new KeyValue();
    }

    static String levelName(Level l) {
        if (l.intValue() >= Level.SEVERE.intValue()) {
            return "error";
        }
        if (l.intValue() >= Level.WARNING.intValue()) {
            return "warning";
        }
        if (l.intValue() >= Level.INFO.intValue()) {
            return "info";
        }
        return "debug";
    }

    /** An event: its words, its fields in the order they were logged, and its exception if any. */
    record Event(String msg, List<LogFields.Field> fields, Throwable thrown) {
    }

    /** The event and fields of a record (see the class comment). */
    static Event parse(LogRecord r) {
        String pattern = r.getMessage() == null ? "" : r.getMessage();
        Object[] params = r.getParameters() == null ? new Object[0] : r.getParameters();
        LogFields given = params.length > 0 && params[params.length - 1] instanceof LogFields f ? f : null;
        String givenSlot = given == null ? null : "{" + (params.length - 1) + "}";
        List<String> words = new ArrayList<>();
        List<LogFields.Field> fields = new ArrayList<>();
        for (String token : tokens(pattern)) {
            if (token.equals(givenSlot)) {
                continue;
            }
            int eq = token.indexOf('=');
            if (eq <= 0 || !LogFields.isKey(token.substring(0, eq))) {
                words.add(render(token, params));
                continue;
            }
            String key = token.substring(0, eq);
            String template = token.substring(eq + 1);
            String tail;
            if (template.startsWith("\"") && template.indexOf('"', 1) > 0) {
                int close = template.indexOf('"', 1);
                tail = template.substring(close + 1);
                template = template.substring(1, close);
            } else {
                int end = template.length();
                while (end > 0 && ":;,".indexOf(template.charAt(end - 1)) >= 0) {
                    end--;
                }
                tail = template.substring(end);
                template = template.substring(0, end);
            }
            fields.add(field(key, value(template, params)));
            // prose written after a value (`reason="{1}": retrying`) belongs to the event, lone punctuation does not
            if (!tail.isBlank() && !tail.matches("[:;,.]")) {
                words.add(render(tail, params));
            }
        }
        if (given != null) {
            given.fields().forEach(f -> fields.add(field(f.key(), f.value())));
        }
        String msg = String.join(" ", words);
        while (msg.endsWith(":") || msg.endsWith(";") || msg.endsWith(",")) {
            msg = msg.substring(0, msg.length() - 1).stripTrailing();
        }
        Throwable thrown = r.getThrown() != null ? r.getThrown() : given == null ? null : given.thrown();
        return new Event(msg, fields, thrown);
    }

    private static LogFields.Field field(String key, Object value) {
        return new LogFields.Field(RESERVED.contains(key) ? "field_" + key : key, value);
    }

    /** The pattern's words: split at spaces outside double quotes. */
    static List<String> tokens(String pattern) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = pattern.length();
        while (i < n) {
            while (i < n && pattern.charAt(i) == ' ') {
                i++;
            }
            int k = i;
            boolean quoted = false;
            while (k < n && (quoted || pattern.charAt(k) != ' ')) {
                if (pattern.charAt(k) == '"') {
                    quoted = !quoted;
                }
                k++;
            }
            if (k > i) {
                out.add(pattern.substring(i, k));
            }
            i = k;
        }
        return out;
    }

    /** A field's value: the parameter itself when the template is just its placeholder, else the rendered text. */
    private static Object value(String template, Object[] params) {
        Matcher m = PLACEHOLDER.matcher(template);
        if (m.matches() && m.group(2) == null) {
            int idx = Integer.parseInt(m.group(1));
            if (idx < params.length) {
                return params[idx];
            }
        }
        return render(template, params);
    }

    /** Substitutes {@code {n}} placeholders with the parameters' text. */
    static String render(String pattern, Object[] params) {
        if (params.length == 0 || pattern.indexOf('{') < 0) {
            return pattern;
        }
        Matcher m = PLACEHOLDER.matcher(pattern);
        StringBuilder sb = new StringBuilder();
        int last = 0;
        while (m.find()) {
            sb.append(pattern, last, m.start());
            int idx = Integer.parseInt(m.group(1));
            sb.append(idx < params.length ? LogFields.text(params[idx]) : m.group());
            last = m.end();
        }
        sb.append(pattern, last, pattern.length());
        return sb.toString();
    }

    private static String stack(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString().strip();
    }

    /** logfmt: {@code ts=... level=... logger=... msg="..." key=value ...}. */
    static final class KeyValue extends Formatter {
        @Override
        public String format(LogRecord r) {
            Event e = parse(r);
            StringBuilder sb = new StringBuilder();
            sb.append("ts=").append(TS.format(r.getInstant()))
                    .append(" level=").append(levelName(r.getLevel()))
                    .append(" logger=").append(LogFields.logfmt(String.valueOf(r.getLoggerName())))
                    .append(" msg=").append(LogFields.logfmt(e.msg()));
            for (var f : e.fields()) {
                sb.append(' ').append(f.key()).append('=').append(LogFields.logfmt(LogFields.text(f.value())));
            }
            if (e.thrown() != null) {
                sb.append(" error=").append(LogFields.logfmt(String.valueOf(e.thrown())));
            }
            return sb.append('\n').toString();
        }
    }

    /** One JSON object per line; numbers and booleans passed as fields are JSON numbers and booleans. */
    static final class Json extends Formatter {
        @Override
        public String format(LogRecord r) {
            Event e = parse(r);
            StringBuilder sb = new StringBuilder("{");
            field(sb, "ts", TS.format(r.getInstant()));
            field(sb, "level", levelName(r.getLevel()));
            field(sb, "logger", r.getLoggerName());
            field(sb, "msg", e.msg());
            for (var f : e.fields()) {
                switch (f.value()) {
                    case Boolean b -> literal(sb, f.key(), b.toString());
                    case Integer i -> literal(sb, f.key(), i.toString());
                    case Long l -> literal(sb, f.key(), l.toString());
                    case Double d when Double.isFinite(d) -> literal(sb, f.key(), LogFields.text(d));
                    default -> field(sb, f.key(), LogFields.text(f.value()));
                }
            }
            if (e.thrown() != null) {
                field(sb, "error", String.valueOf(e.thrown()));
                field(sb, "stack", stack(e.thrown()));
            }
            sb.setLength(sb.length() - 1);
            return sb.append("}\n").toString();
        }

        private static void field(StringBuilder sb, String k, String v) {
            sb.append('"').append(escape(k)).append("\":\"").append(escape(v == null ? "" : v)).append("\",");
        }

        private static void literal(StringBuilder sb, String k, String v) {
            sb.append('"').append(escape(k)).append("\":").append(v).append(',');
        }

        private static String escape(String s) {
            return LogFields.escape(s);
        }
    }
}
