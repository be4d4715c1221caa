package dev.viaduct.sys.log;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The fields of one log event, in the order they were given, and the exception that goes with it if any.
 * Passed as the last parameter of a {@link System.Logger} call (see {@link Log}); a formatter that knows this
 * type writes each field as a field, any other formatter prints {@link #toString()} (logfmt) in place of the
 * {@code {n}} placeholder that refers to it.
 */
public record LogFields(List<Field> fields, Throwable thrown) {
    /** Keys are plain words so that both logfmt and JSON readers take them as they are. */
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.-]+");

    /** One field; the value is kept as given and turned into text only when the line is written. */
    public record Field(String key, Object value) {
        public Field {
            if (key == null || !KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("log field key must match " + KEY + ": " + key);
            }
        }
    }

    public LogFields {
        fields = List.copyOf(fields);
    }

    /**
     * Fields from alternating keys and values: {@code of("handle", h, "pod", "ns/name")}. An odd count or a
     * key that is not a plain word is a programming error and fails here, at the call site.
     */
    public static LogFields of(Object... keyValues) {
        return withThrown(null, keyValues);
    }

    static LogFields withThrown(Throwable thrown, Object... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("log fields come in key, value pairs; got " + keyValues.length
                    + " arguments, the last key has no value: " + keyValues[keyValues.length - 1]);
        }
        List<Field> fs = new ArrayList<>(keyValues.length / 2);
        for (int i = 0; i < keyValues.length; i += 2) {
            if (!(keyValues[i] instanceof String key)) {
                throw new IllegalArgumentException("log field key at position " + i + " is not a String: " + keyValues[i]);
            }
            fs.add(new Field(key, keyValues[i + 1]));
        }
        return new LogFields(fs, thrown);
    }

    /** Whether {@code key} can be a field name. */
    public static boolean isKey(String key) {
        return KEY.matcher(key).matches();
    }

    /**
     * A value as log text: numbers plainly (no grouping, doubles with three decimals unless whole), addresses
     * without a host name lookup, collections and arrays joined with commas, {@code null} as {@code null}.
     */
    public static String text(Object o) {
        return switch (o) {
            case null -> "null";
            case Double d when d == Math.rint(d) && !d.isInfinite() && Math.abs(d) < 1e15 -> Long.toString(d.longValue());
            case Double d -> String.format(Locale.ROOT, "%.3f", d);
            case Float f -> String.format(Locale.ROOT, "%.3f", f);
            case Number x -> x.toString();
            case InetAddress a -> a.getHostAddress();
            case Collection<?> c -> String.join(",", c.stream().map(LogFields::text).toList());
            case Object[] a -> String.join(",", Arrays.stream(a).map(LogFields::text).toList());
            default -> o.toString();
        };
    }

    /**
     * A value as logfmt writes it: bare when it is one plain token, else in double quotes with {@code "} and
     * {@code \} escaped and control characters written as {@code \n}, {@code \r}, {@code \t} or
     * <code>&#92;u00XX</code>, so a line is always one line and a reader gets back exactly the value.
     */
    public static String logfmt(String v) {
        if (!needsQuotes(v)) {
            return v;
        }
        return '"' + escape(v) + '"';
    }

    /**
     * The inside of a double-quoted string, escaped the same way for logfmt and JSON: {@code \"}, {@code \\},
     * {@code \n}, {@code \r}, {@code \t}, other control characters as <code>&#92;u00XX</code>.
     */
    public static String escape(String v) {
        StringBuilder b = new StringBuilder(v.length() + 8);
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    static boolean needsQuotes(String v) {
        if (v.isEmpty()) {
            return true;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            // Unicode spaces too: a reader that splits on them (or trims them) would otherwise cut the value
            if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f
                    || Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                return true;
            }
        }
        return false;
    }

    /** The fields as logfmt, for formatters that do not know this type. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Field f : fields) {
            if (!b.isEmpty()) {
                b.append(' ');
            }
            b.append(f.key()).append('=').append(logfmt(text(f.value())));
        }
        if (thrown != null) {
            b.append(b.isEmpty() ? "" : " ").append("error=").append(logfmt(String.valueOf(thrown)));
        }
        return b.toString();
    }
}
