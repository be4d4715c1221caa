package dev.viaduct.agent.ops;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One line per event on stderr, {@code key=value} (default) or JSON. Viaduct code logs through
 * {@link System.Logger} with {@code key=value} messages; this formatter adds time, level and logger, and for
 * JSON turns the message's {@code key=value} pairs into fields.
 */
public final class LogSetup {
    private static final DateTimeFormatter TS = DateTimeFormatter.ISO_INSTANT.withZone(ZoneOffset.UTC);

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
        h.setFormatter(format.equals("json") ? new Json() : new KeyValue());
        root.addHandler(h);
        root.setLevel(l);
        // jetcd/grpc/netty log through JUL too; their INFO chatter is noise for operators
        Logger.getLogger("io.grpc").setLevel(Level.WARNING);
        Logger.getLogger("io.netty").setLevel(Level.WARNING);
        Logger.getLogger("io.etcd").setLevel(Level.WARNING);
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

    static final class KeyValue extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder sb = new StringBuilder();
            sb.append("ts=").append(TS.format(Instant.ofEpochMilli(r.getMillis())))
                    .append(" level=").append(levelName(r.getLevel()))
                    .append(" logger=").append(r.getLoggerName())
                    .append(' ').append(formatMessage(r));
            if (r.getThrown() != null) {
                sb.append(" error=\"").append(String.valueOf(r.getThrown()).replace("\"", "'")).append('"');
            }
            return sb.append('\n').toString();
        }
    }

    static final class Json extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder sb = new StringBuilder("{");
            field(sb, "ts", TS.format(Instant.ofEpochMilli(r.getMillis())));
            field(sb, "level", levelName(r.getLevel()));
            field(sb, "logger", r.getLoggerName());
            String msg = formatMessage(r);
            // "event key=value key2="quoted value"" -> event + fields
            StringBuilder event = new StringBuilder();
            int i = 0;
            while (i < msg.length()) {
                int sp = msg.indexOf(' ', i);
                String tok = sp < 0 ? msg.substring(i) : msg.substring(i, sp);
                int eq = tok.indexOf('=');
                if (eq > 0 && tok.substring(0, eq).matches("[A-Za-z0-9_.]+")) {
                    String key = tok.substring(0, eq);
                    String val;
                    int end;
                    if (msg.startsWith("\"", i + eq + 1)) {
                        int close = msg.indexOf('"', i + eq + 2);
                        close = close < 0 ? msg.length() : close;
                        val = msg.substring(i + eq + 2, close);
                        end = Math.min(msg.length(), close + 1);
                    } else {
                        val = tok.substring(eq + 1);
                        end = sp < 0 ? msg.length() : sp;
                    }
                    field(sb, key, val);
                    i = end + 1;
                } else {
                    if (!event.isEmpty()) {
                        event.append(' ');
                    }
                    event.append(tok);
                    i = sp < 0 ? msg.length() : sp + 1;
                }
            }
            field(sb, "msg", event.toString());
            if (r.getThrown() != null) {
                field(sb, "error", String.valueOf(r.getThrown()));
            }
            sb.setLength(sb.length() - 1);
            return sb.append("}\n").toString();
        }

        private static void field(StringBuilder sb, String k, String v) {
            sb.append('"').append(escape(k)).append("\":\"").append(escape(v)).append("\",");
        }

        private static String escape(String s) {
            StringBuilder b = new StringBuilder();
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
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
