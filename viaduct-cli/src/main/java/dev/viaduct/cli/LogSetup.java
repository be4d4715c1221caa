package dev.viaduct.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
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
 * config's {@code log.format}. Viaduct code logs through {@link System.Logger} with messages of the form
 * {@code "event words key={0} other={1}"}; this formatter turns each into the event ({@code msg}) plus one
 * field per {@code key=value} pair, after the time, level and logger:
 * <pre>
 * ts=2025-01-01T10:00:00.123Z level=info logger=viaduct.cni msg="cni add" handle=viaduct.c1.eth0 pod=lab/p1 ips=10.244.1.5
 * {"ts":"2025-01-01T10:00:00.123Z","level":"info","logger":"viaduct.cni","msg":"cni add","handle":"viaduct.c1.eth0",...}
 * </pre>
 *
 * <p>Placeholders are substituted here, not by {@link java.text.MessageFormat}: MessageFormat groups
 * numbers ({@code 1,234}) and treats apostrophes as quotes, which silently swallows the parameters of a
 * message like {@code "this agent's file: stored={0}"}. Numbers are printed plainly, collections joined with
 * commas, addresses without a host name. A value that needs it (spaces, quotes, '=', empty) is quoted, so a
 * logfmt parser reads exactly the fields that were logged; newlines are escaped, so an event is always one
 * line. An exception becomes an {@code error} field (and, in JSON, a {@code stack} field).
 */
public final class LogSetup {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(\\d+)(,[^}]*)?}");
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.-]+");
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

    /** An event: its words and its fields in the order they were logged. */
    record Event(String msg, List<Map.Entry<String, String>> fields) {
    }

    /** Splits a record into the event text and its key=value fields (see the class comment). */
    static Event parse(LogRecord r) {
        String text = render(r.getMessage() == null ? "" : r.getMessage(), r.getParameters());
        List<String> words = new ArrayList<>();
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            while (i < n && text.charAt(i) == ' ') {
                i++;
            }
            if (i >= n) {
                break;
            }
            int eq = -1;
            int j = i;
            while (j < n && text.charAt(j) != ' ' && text.charAt(j) != '"') {
                if (text.charAt(j) == '=' && eq < 0) {
                    eq = j;
                }
                j++;
            }
            if (eq > i && KEY.matcher(text.substring(i, eq)).matches()) {
                String key = text.substring(i, eq);
                int v = eq + 1;
                StringBuilder val = new StringBuilder();
                if (v < n && text.charAt(v) == '"') {
                    v++;
                    while (v < n && text.charAt(v) != '"') {
                        char c = text.charAt(v);
                        if (c == '\\' && v + 1 < n) {
                            v++;
                            c = switch (text.charAt(v)) {
                                case 'n' -> '\n';
                                case 'r' -> '\r';
                                case 't' -> '\t';
                                default -> text.charAt(v);
                            };
                        }
                        val.append(c);
                        v++;
                    }
                    v = Math.min(n, v + 1);
                } else {
                    while (v < n && text.charAt(v) != ' ') {
                        val.append(text.charAt(v));
                        v++;
                    }
                }
                // trailing punctuation written after a value (`reason="x": retrying`) belongs to the prose
                int k = v;
                while (k < n && text.charAt(k) != ' ') {
                    k++;
                }
                String tail = text.substring(v, k);
                fields.add(Map.entry(RESERVED.contains(key) ? "field_" + key : key, val.toString()));
                if (!tail.isBlank() && !tail.matches("[:;,.]")) {
                    words.add(tail);
                }
                i = k;
            } else {
                int k = i;
                boolean quoted = false;
                while (k < n && (quoted || text.charAt(k) != ' ')) {
                    if (text.charAt(k) == '"') {
                        quoted = !quoted;
                    }
                    k++;
                }
                words.add(text.substring(i, k));
                i = k;
            }
        }
        String msg = String.join(" ", words);
        while (msg.endsWith(":") || msg.endsWith(";") || msg.endsWith(",")) {
            msg = msg.substring(0, msg.length() - 1).stripTrailing();
        }
        return new Event(msg, fields);
    }

    /** Substitutes {@code {n}} placeholders; values after {@code key=} are quoted when they need to be. */
    static String render(String pattern, Object[] params) {
        if (params == null || params.length == 0 || pattern.indexOf('{') < 0) {
            return pattern;
        }
        Matcher m = PLACEHOLDER.matcher(pattern);
        StringBuilder sb = new StringBuilder();
        int last = 0;
        while (m.find()) {
            sb.append(pattern, last, m.start());
            int idx = Integer.parseInt(m.group(1));
            String value = idx < params.length ? text(params[idx]) : m.group();
            boolean afterEquals = m.start() > 0 && pattern.charAt(m.start() - 1) == '=';
            boolean alreadyQuoted = m.start() > 0 && pattern.charAt(m.start() - 1) == '"';
            if (alreadyQuoted) {
                sb.append(value.replace("\\", "\\\\").replace("\"", "\\\""));
            } else if (afterEquals && needsQuotes(value)) {
                sb.append(quote(value));
            } else {
                sb.append(value);
            }
            last = m.end();
        }
        sb.append(pattern, last, pattern.length());
        return sb.toString();
    }

    static String text(Object o) {
        return switch (o) {
            case null -> "null";
            case Double d when d == Math.rint(d) && !d.isInfinite() && Math.abs(d) < 1e15 -> Long.toString(d.longValue());
            case Double d -> String.format(java.util.Locale.ROOT, "%.3f", d);
            case Float f -> String.format(java.util.Locale.ROOT, "%.3f", f);
            case Number x -> x.toString();
            case InetAddress a -> a.getHostAddress();
            case Collection<?> c -> String.join(",", c.stream().map(LogSetup::text).toList());
            case Object[] a -> String.join(",", java.util.Arrays.stream(a).map(LogSetup::text).toList());
            default -> o.toString();
        };
    }

    static boolean needsQuotes(String v) {
        if (v.isEmpty()) {
            return true;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == ' ' || c == '"' || c == '=' || c == '\\' || c < 0x20) {
                return true;
            }
        }
        return false;
    }

    static String quote(String v) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(c < 0x20 ? ' ' : c);
            }
        }
        return b.append('"').toString();
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
                    .append(" logger=").append(value(r.getLoggerName()))
                    .append(" msg=").append(value(e.msg()));
            for (var f : e.fields()) {
                sb.append(' ').append(f.getKey()).append('=').append(value(f.getValue()));
            }
            if (r.getThrown() != null) {
                sb.append(" error=").append(value(String.valueOf(r.getThrown())));
            }
            return sb.append('\n').toString();
        }

        private static String value(String v) {
            return needsQuotes(v == null ? "" : v) ? quote(v == null ? "" : v) : v;
        }
    }

    /** One JSON object per line; every field a string. */
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
                field(sb, f.getKey(), f.getValue());
            }
            if (r.getThrown() != null) {
                field(sb, "error", String.valueOf(r.getThrown()));
                field(sb, "stack", stack(r.getThrown()));
            }
            sb.setLength(sb.length() - 1);
            return sb.append("}\n").toString();
        }

        private static void field(StringBuilder sb, String k, String v) {
            sb.append('"').append(escape(k)).append("\":\"").append(escape(v == null ? "" : v)).append("\",");
        }

        static String escape(String s) {
            StringBuilder b = new StringBuilder();
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format("\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            return b.toString();
        }
    }
}
