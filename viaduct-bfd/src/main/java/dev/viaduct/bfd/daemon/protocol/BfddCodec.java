package dev.viaduct.bfd.daemon.protocol;

import dev.viaduct.bfd.daemon.protocol.BfddMessage.DesiredSession;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Event;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Failure;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.GetStatus;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Hello;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.SessionView;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.SetSessions;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Shutdown;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Status;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Welcome;
import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.Diagnostic;
import dev.viaduct.bfd.session.Timers;
import dev.viaduct.sys.net.IpAddresses;
import java.io.StringWriter;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonParser.NumberType;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.json.JsonFactory;

/**
 * The wire form of {@link BfddMessage}: one JSON object per line (UTF-8, {@code \n}-terminated; JSON escapes
 * every newline inside strings, so a message is always exactly one line). Field {@code op} names the message;
 * intervals are whole microseconds as in BFD itself ({@code txUs}); times are ISO-8601 instants. Decoding
 * checks every field and reports the first bad one by path ({@code sessions[2].peer: 'x' is not an IP
 * address}); nothing but {@link BfddProtocolException} ever escapes it.
 *
 * <p>The JSON is written and read with Jackson's streaming API (jackson-core) alone, not its data binding: bfdd is a
 * daemon on every node, and databind's classes (~560 loaded for the tree model) would cost it more resident memory
 * than its own code. A line nests at most {@value #MAX_DEPTH} levels deep (the protocol nests three) and names each
 * member of an object once (RFC 8259 §4: with a repeated name, receivers disagree on which value counts).
 *
 * <p>Pure: no I/O; thread-safe.
 */
public final class BfddCodec {
    /** The longest line either side accepts (a few thousand sessions fit easily). */
    public static final int MAX_LINE_BYTES = 4 << 20;
    /** Deeper nesting is refused before it costs the reader's stack. */
    static final int MAX_DEPTH = 64;
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private BfddCodec() {
    }

    /** A message that is not valid protocol; {@link #getMessage()} names the field. */
    public static final class BfddProtocolException extends Exception {
        public BfddProtocolException(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------ encoding

    /** The message as one line of JSON (without the terminating newline). */
    public static String encode(BfddMessage m) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            switch (m) {
                case Hello h -> head(g, "hello", h.id()).writeNumberProperty("protocol", h.protocol())
                        .writeStringProperty("client", h.client());
                case SetSessions s -> {
                    head(g, "set", s.id()).writeArrayPropertyStart("sessions");
                    for (DesiredSession d : s.sessions()) {
                        desired(g, d);
                    }
                    g.writeEndArray();
                }
                case GetStatus s -> head(g, "status", s.id());
                case Shutdown s -> head(g, "shutdown", s.id()).writeBooleanProperty("adminDown", s.adminDown());
                case Welcome w -> {
                    head(g, "welcome", w.id()).writeNumberProperty("protocol", w.protocol()).writeNumberProperty("pid", w.pid())
                            .writeStringProperty("netns", w.netns()).writeStringProperty("startedAt", w.startedAt().toString());
                    views(g, w.sessions());
                    g.writeNumberProperty("unmatchedDiscards", w.unmatchedDiscards());
                }
                case Status s -> {
                    views(head(g, "sessions", s.id()), s.sessions());
                    g.writeNumberProperty("unmatchedDiscards", s.unmatchedDiscards());
                }
                case Failure f -> head(g, "failure", f.id()).writeStringProperty("error", f.error());
                case Event e -> {
                    view(head(g, "event", e.id()).writeName("session"), e.session());
                    g.writeStringProperty("from", e.from().name()).writeStringProperty("to", e.to().name())
                            .writeNumberProperty("diagnostic", e.diagnostic().code()).writeStringProperty("signal", e.signal());
                }
            }
            g.writeEndObject();
        }
        return out.toString();
    }

    private static JsonGenerator head(JsonGenerator g, String op, long id) {
        return g.writeStringProperty("op", op).writeNumberProperty("id", id);
    }

    private static void desired(JsonGenerator g, DesiredSession d) {
        g.writeStartObject().writeStringProperty("name", d.name()).writeStringProperty("peer", d.peer().getHostAddress())
                .writeStringProperty("local", d.local().getHostAddress());
        d.interfaceName().ifPresent(i -> g.writeStringProperty("interface", i));
        g.writeNumberProperty("txUs", d.timers().desiredMinTxMicros()).writeNumberProperty("rxUs", d.timers().requiredMinRxMicros())
                .writeNumberProperty("multiplier", d.timers().detectMultiplier()).writeEndObject();
    }

    /** The {@code sessions} member. */
    private static void views(JsonGenerator g, List<SessionView> views) {
        g.writeArrayPropertyStart("sessions");
        for (SessionView v : views) {
            view(g, v);
        }
        g.writeEndArray();
    }

    private static void view(JsonGenerator g, SessionView v) {
        g.writeStartObject().writeStringProperty("name", v.name()).writeStringProperty("peer", v.peer().getHostAddress())
                .writeStringProperty("local", v.local().getHostAddress());
        v.interfaceName().ifPresent(i -> g.writeStringProperty("interface", i));
        g.writeStringProperty("state", v.state().name()).writeStringProperty("remoteState", v.remoteState().name())
                .writeBooleanProperty("pathDown", v.pathDown()).writeNumberProperty("txUs", micros(v.txInterval()))
                .writeNumberProperty("rxUs", micros(v.rxInterval())).writeNumberProperty("detectUs", micros(v.detectTime()))
                .writeStringProperty("lastStateChange", v.lastStateChange().toString()).writeNumberProperty("packetsIn", v.packetsIn())
                .writeNumberProperty("packetsOut", v.packetsOut()).writeNumberProperty("discarded", v.discarded());
        v.error().ifPresent(e -> g.writeStringProperty("error", e));
        g.writeEndObject();
    }

    private static long micros(Duration d) {
        return d.toNanos() / 1000;
    }

    // ------------------------------------------------------------------ decoding

    /** Decodes a line a client sent; anything but a request is an error. */
    public static BfddMessage.Request decodeRequest(String line) throws BfddProtocolException {
        if (decode(line) instanceof BfddMessage.Request r) {
            return r;
        }
        throw new BfddProtocolException("op: a daemon's message sent to the daemon");
    }

    /** Decodes a line the daemon sent; anything but a reply or event is an error. */
    public static BfddMessage.Reply decodeReply(String line) throws BfddProtocolException {
        if (decode(line) instanceof BfddMessage.Reply r) {
            return r;
        }
        throw new BfddProtocolException("op: a client's request sent to a client");
    }

    /** Decodes one line (with or without its newline). */
    public static BfddMessage decode(String line) throws BfddProtocolException {
        Object root = parse(line);
        if (!(root instanceof Map<?, ?> m)) {
            throw new BfddProtocolException("message: must be a JSON object");
        }
        Fields o = new Fields(m, "");
        String op = o.string("op");
        long id = o.u64("id");
        try {
            return switch (op) {
                case "hello" -> {
                    o.only("op", "id", "protocol", "client");
                    yield new Hello(id, (int) o.range("protocol", 0, Integer.MAX_VALUE), o.string("client"));
                }
                case "set" -> {
                    o.only("op", "id", "sessions");
                    List<DesiredSession> s = new ArrayList<>();
                    for (Fields e : o.objects("sessions")) {
                        s.add(desired(e));
                    }
                    yield new SetSessions(id, s);
                }
                case "status" -> {
                    o.only("op", "id");
                    yield new GetStatus(id);
                }
                case "shutdown" -> {
                    o.only("op", "id", "adminDown");
                    yield new Shutdown(id, o.bool("adminDown"));
                }
                case "welcome" -> {
                    o.only("op", "id", "protocol", "pid", "netns", "startedAt", "sessions", "unmatchedDiscards");
                    yield new Welcome(id, (int) o.range("protocol", 0, Integer.MAX_VALUE), o.u64("pid"), o.string("netns"),
                            o.instant("startedAt"), views(o), o.u64("unmatchedDiscards"));
                }
                case "sessions" -> {
                    o.only("op", "id", "sessions", "unmatchedDiscards");
                    yield new Status(id, views(o), o.u64("unmatchedDiscards"));
                }
                case "failure" -> {
                    o.only("op", "id", "error");
                    yield new Failure(id, o.string("error"));
                }
                case "event" -> {
                    o.only("op", "id", "session", "from", "to", "diagnostic", "signal");
                    String signal = o.string("signal");
                    if (!Set.of("UP", "PATH_DOWN", "ADMIN_DOWN", "NONE").contains(signal)) {
                        throw new BfddProtocolException("signal: '" + signal + "' is not UP, PATH_DOWN, ADMIN_DOWN or NONE");
                    }
                    yield new Event(id, view(o.object("session")), o.state("from"), o.state("to"),
                            new Diagnostic((int) o.range("diagnostic", 0, 31)), signal);
                }
                default -> throw new BfddProtocolException("op: unknown message '" + op + "'");
            };
        } catch (IllegalArgumentException | NullPointerException e) {
            // a record's own validation (e.g. Timers ranges) on values that passed the field checks
            throw new BfddProtocolException(op + ": " + e.getMessage());
        }
    }

    /** The value of the line's one JSON text (whitespace around it allowed, nothing else). */
    private static Object parse(String line) throws BfddProtocolException {
        JsonParser p = JSON.createParser(line);
        try (p) {
            if (p.nextToken() == null) {
                throw new BfddProtocolException("not JSON: no value");
            }
            Object root = value(p);
            if (p.nextToken() != null) {
                throw new BfddProtocolException("not JSON: a second value at " + column(p.currentTokenLocation()));
            }
            return root;
        } catch (JacksonException e) {
            // a limit's exception (nesting depth) carries no location of its own
            throw new BfddProtocolException("not JSON: " + e.getOriginalMessage() + " at "
                    + column(e.getLocation() != null ? e.getLocation() : p.currentLocation()));
        }
    }

    private static String column(TokenStreamLocation at) {
        return "column " + at.getColumnNr();
    }

    /**
     * The value starting at the parser's current token: an object as an insertion-ordered {@link Map}, an array as a
     * {@link List}, {@link String}, {@link Boolean}, an integer that fits as {@link Long}, any other number as its
     * {@link NumberType} (no field takes one), {@code null} as {@code null}.
     */
    private static Object value(JsonParser p) throws BfddProtocolException {
        JsonToken t = p.currentToken();
        if (t == null) {
            throw new BfddProtocolException("not JSON: unexpected end of input");
        }
        return switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (String k = p.nextName(); k != null; k = p.nextName()) {
                    p.nextToken();
                    m.put(k, value(p));
                }
                yield m;
            }
            case START_ARRAY -> {
                List<Object> a = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    a.add(value(p));
                }
                yield a;
            }
            case VALUE_STRING -> p.getString();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                NumberType n = p.getNumberType();
                yield n == NumberType.INT || n == NumberType.LONG ? (Object) p.getLongValue() : n;
            }
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new BfddProtocolException("not JSON: unexpected " + t + " at " + column(p.currentTokenLocation()));
        };
    }

    private static List<SessionView> views(Fields o) throws BfddProtocolException {
        List<SessionView> out = new ArrayList<>();
        for (Fields e : o.objects("sessions")) {
            out.add(view(e));
        }
        return out;
    }

    private static DesiredSession desired(Fields o) throws BfddProtocolException {
        o.only("name", "peer", "local", "interface", "txUs", "rxUs", "multiplier");
        Timers t;
        try {
            t = new Timers(Duration.ofNanos(o.range("txUs", 1, 0xFFFF_FFFFL) * 1000),
                    Duration.ofNanos(o.range("rxUs", 1, 0xFFFF_FFFFL) * 1000), (int) o.range("multiplier", 1, 255));
        } catch (IllegalArgumentException e) {
            throw new BfddProtocolException(o.where() + ": " + e.getMessage());
        }
        InetAddress peer = o.address("peer");
        InetAddress local = o.address("local");
        if (peer.getAddress().length != local.getAddress().length) {
            throw new BfddProtocolException(o.path + "local: " + local.getHostAddress() + " is not of the family of peer "
                    + peer.getHostAddress());
        }
        return new DesiredSession(o.string("name"), peer, local, o.optionalString("interface"), t);
    }

    private static SessionView view(Fields o) throws BfddProtocolException {
        o.only("name", "peer", "local", "interface", "state", "remoteState", "pathDown", "txUs", "rxUs", "detectUs",
                "lastStateChange", "packetsIn", "packetsOut", "discarded", "error");
        return new SessionView(o.string("name"), o.address("peer"), o.address("local"), o.optionalString("interface"),
                o.state("state"), o.state("remoteState"), o.bool("pathDown"), o.micros("txUs"), o.micros("rxUs"),
                o.micros("detectUs"), o.instant("lastStateChange"), o.u64("packetsIn"), o.u64("packetsOut"),
                o.u64("discarded"), o.optionalString("error"));
    }

    /** A JSON object being read, with its path for error messages. */
    private record Fields(Map<?, ?> node, String path) {
        private String field(String key) {
            return path + key;
        }

        /** This object's own path ({@code sessions[2]}), or "message" at the top. */
        String where() {
            return path.isEmpty() ? "message" : path.substring(0, path.length() - 1);
        }

        void only(String... keys) throws BfddProtocolException {
            Set<String> ok = Set.of(keys);
            for (Object k : node.keySet()) {
                if (!ok.contains((String) k)) {
                    throw new BfddProtocolException(field((String) k) + ": unknown field");
                }
            }
        }

        private Object required(String key) throws BfddProtocolException {
            Object n = node.get(key);
            if (n == null) {
                throw new BfddProtocolException(field(key) + ": missing");
            }
            return n;
        }

        String string(String key) throws BfddProtocolException {
            if (!(required(key) instanceof String n)) {
                throw new BfddProtocolException(field(key) + ": must be a string");
            }
            return n;
        }

        Optional<String> optionalString(String key) throws BfddProtocolException {
            Object n = node.get(key);
            if (n == null) {
                return Optional.empty();
            }
            return Optional.of(string(key));
        }

        boolean bool(String key) throws BfddProtocolException {
            if (!(required(key) instanceof Boolean n)) {
                throw new BfddProtocolException(field(key) + ": must be true or false");
            }
            return n;
        }

        long range(String key, long min, long max) throws BfddProtocolException {
            if (!(required(key) instanceof Long n)) {
                throw new BfddProtocolException(field(key) + ": must be an integer");
            }
            long v = n;
            if (v < min || v > max) {
                throw new BfddProtocolException(field(key) + ": " + v + " is out of range " + min + ".." + max);
            }
            return v;
        }

        long u64(String key) throws BfddProtocolException {
            return range(key, 0, Long.MAX_VALUE);
        }

        Duration micros(String key) throws BfddProtocolException {
            return Duration.ofNanos(Math.multiplyExact(range(key, 0, Long.MAX_VALUE / 1000), 1000L));
        }

        InetAddress address(String key) throws BfddProtocolException {
            String s = string(key);
            try {
                return IpAddresses.parse(s);
            } catch (IllegalArgumentException e) {
                throw new BfddProtocolException(field(key) + ": " + e.getMessage());
            }
        }

        Instant instant(String key) throws BfddProtocolException {
            String s = string(key);
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e) {
                throw new BfddProtocolException(field(key) + ": '" + s + "' is not an ISO-8601 instant");
            }
        }

        BfdState state(String key) throws BfddProtocolException {
            String s = string(key);
            for (BfdState b : BfdState.values()) {
                if (b.name().equals(s)) {
                    return b;
                }
            }
            throw new BfddProtocolException(field(key) + ": '" + s + "' is not ADMIN_DOWN, DOWN, INIT or UP");
        }

        Fields object(String key) throws BfddProtocolException {
            if (!(required(key) instanceof Map<?, ?> n)) {
                throw new BfddProtocolException(field(key) + ": must be an object");
            }
            return new Fields(n, field(key) + ".");
        }

        List<Fields> objects(String key) throws BfddProtocolException {
            if (!(required(key) instanceof List<?> n)) {
                throw new BfddProtocolException(field(key) + ": must be an array");
            }
            List<Fields> out = new ArrayList<>();
            for (int i = 0; i < n.size(); i++) {
                if (!(n.get(i) instanceof Map<?, ?> e)) {
                    throw new BfddProtocolException(field(key) + "[" + i + "]: must be an object");
                }
                out.add(new Fields(e, field(key) + "[" + i + "]."));
            }
            return out;
        }
    }
}
