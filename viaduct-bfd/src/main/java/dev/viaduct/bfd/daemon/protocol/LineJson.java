package dev.viaduct.bfd.daemon.protocol;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON that bfdd's line protocol needs (RFC 8259), written and read without a library: bfdd is a daemon on every
 * node, and a general JSON library's classes (Jackson's are ~560 for the tree model) cost it more resident memory
 * than its own code and data. Values read are {@link Map} (objects, insertion-ordered; a repeated key keeps its last
 * value), {@link List}, {@link String}, {@link Long} (integers that fit), {@link BigInteger} (those that do not),
 * {@link Double}, {@link Boolean} and {@link #NULL}.
 *
 * <p>Pure: no I/O; {@link #parse} is thread-safe, an {@link Obj} or {@link Arr} belongs to the thread building it.
 */
final class LineJson {
    /** JSON's {@code null}. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };
    /** Deeper nesting is refused rather than risking the reader's stack (the protocol nests three levels). */
    private static final int MAX_DEPTH = 64;

    private LineJson() {
    }

    /** A JSON text that cannot be read; the message says where. */
    static final class SyntaxException extends Exception {
        SyntaxException(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------ writing

    /** An object being written, its members in the order they are put. */
    static final class Obj {
        private final StringBuilder out;
        private boolean first = true;

        private Obj(StringBuilder out) {
            this.out = out;
            out.append('{');
        }

        /** A new top-level object. */
        static Obj create() {
            return new Obj(new StringBuilder(128));
        }

        private StringBuilder key(String k) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, k);
            return out.append(':');
        }

        Obj put(String k, String v) {
            string(key(k), v);
            return this;
        }

        Obj put(String k, long v) {
            key(k).append(v);
            return this;
        }

        Obj put(String k, boolean v) {
            key(k).append(v);
            return this;
        }

        /** A nested object, which must be complete before this object's next member is put. */
        Obj putObject(String k) {
            key(k);
            return new Obj(out);
        }

        /** A nested array, which must be complete before this object's next member is put. */
        Arr putArray(String k) {
            key(k);
            return new Arr(out);
        }

        /** Closes this object (and must be called for every nested one too, innermost first). */
        Obj end() {
            out.append('}');
            return this;
        }

        /** The top-level object's text, closed. */
        String text() {
            end();
            return out.toString();
        }
    }

    /** An array of objects being written. */
    static final class Arr {
        private final StringBuilder out;
        private boolean first = true;

        private Arr(StringBuilder out) {
            this.out = out;
            out.append('[');
        }

        Obj addObject() {
            if (!first) {
                out.append(',');
            }
            first = false;
            return new Obj(out);
        }

        void end() {
            out.append(']');
        }
    }

    /** A JSON string: quotes, backslashes and control characters escaped (RFC 8259 §7), so a message stays one line. */
    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    // ------------------------------------------------------------------ reading

    /** The value of a whole JSON text (surrounding whitespace allowed, nothing else after it). */
    static Object parse(String text) throws SyntaxException {
        Reader r = new Reader(text);
        r.space();
        Object v = r.value(0);
        r.space();
        if (r.pos != text.length()) {
            throw r.error("unexpected '" + text.charAt(r.pos) + "' after the value");
        }
        return v;
    }

    private static final class Reader {
        private final String s;
        private int pos;

        Reader(String s) {
            this.s = s;
        }

        SyntaxException error(String what) {
            return new SyntaxException(what + " at character " + (pos + 1));
        }

        void space() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                pos++;
            }
        }

        private char next() throws SyntaxException {
            if (pos >= s.length()) {
                throw error("unexpected end of input");
            }
            return s.charAt(pos++);
        }

        private void expect(char c) throws SyntaxException {
            if (next() != c) {
                pos--;
                throw error("expected '" + c + "'");
            }
        }

        Object value(int depth) throws SyntaxException {
            if (depth > MAX_DEPTH) {
                throw error("nested deeper than " + MAX_DEPTH);
            }
            if (pos >= s.length()) {
                throw error("unexpected end of input");
            }
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> word("true", Boolean.TRUE);
                case 'f' -> word("false", Boolean.FALSE);
                case 'n' -> word("null", NULL);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw error("unexpected '" + c + "'");
                }
            };
        }

        private Object word(String w, Object v) throws SyntaxException {
            if (!s.startsWith(w, pos)) {
                throw error("unexpected '" + s.charAt(pos) + "'");
            }
            pos += w.length();
            return v;
        }

        private Map<String, Object> object(int depth) throws SyntaxException {
            expect('{');
            Map<String, Object> m = new LinkedHashMap<>();
            space();
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return m;
            }
            while (true) {
                space();
                if (pos >= s.length() || s.charAt(pos) != '"') {
                    throw error("expected a member name");
                }
                String k = string();
                space();
                expect(':');
                space();
                m.put(k, value(depth + 1));
                space();
                char c = next();
                if (c == '}') {
                    return m;
                }
                if (c != ',') {
                    pos--;
                    throw error("expected ',' or '}'");
                }
            }
        }

        private List<Object> array(int depth) throws SyntaxException {
            expect('[');
            List<Object> a = new ArrayList<>();
            space();
            if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return a;
            }
            while (true) {
                space();
                a.add(value(depth + 1));
                space();
                char c = next();
                if (c == ']') {
                    return a;
                }
                if (c != ',') {
                    pos--;
                    throw error("expected ',' or ']'");
                }
            }
        }

        private String string() throws SyntaxException {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return b.toString();
                }
                if (c < 0x20) {
                    pos--;
                    throw error("control character in a string");
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length()) {
                            throw error("unexpected end of input");
                        }
                        int v = 0;
                        for (int i = 0; i < 4; i++) {
                            int d = Character.digit(s.charAt(pos++), 16);
                            if (d < 0) {
                                pos--;
                                throw error("bad \\u escape");
                            }
                            v = v * 16 + d;
                        }
                        b.append((char) v);
                    }
                    default -> {
                        pos--;
                        throw error("bad escape '\\" + e + "'");
                    }
                }
            }
        }

        /** RFC 8259 §6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
        private Object number() throws SyntaxException {
            int start = pos;
            if (s.charAt(pos) == '-') {
                pos++;
            }
            if (pos < s.length() && s.charAt(pos) == '0') {
                pos++;
            } else if (!digits()) {
                throw error("bad number");
            }
            boolean integral = true;
            if (pos < s.length() && s.charAt(pos) == '.') {
                pos++;
                integral = false;
                if (!digits()) {
                    throw error("bad number");
                }
            }
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                pos++;
                integral = false;
                if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                    pos++;
                }
                if (!digits()) {
                    throw error("bad number");
                }
            }
            String n = s.substring(start, pos);
            if (!integral) {
                return Double.parseDouble(n);
            }
            if (n.length() > 40) {
                // far beyond any long; not parsed (BigInteger's parse is quadratic in the digits)
                return Double.POSITIVE_INFINITY;
            }
            BigInteger big = new BigInteger(n);
            return big.bitLength() < 64 ? (Object) big.longValue() : big;
        }

        private boolean digits() {
            int start = pos;
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                pos++;
            }
            return pos > start;
        }
    }
}
