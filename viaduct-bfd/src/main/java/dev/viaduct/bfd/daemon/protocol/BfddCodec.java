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
import dev.viaduct.bfd.daemon.protocol.LineJson.Arr;
import dev.viaduct.bfd.daemon.protocol.LineJson.Obj;
import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.Diagnostic;
import dev.viaduct.bfd.session.Timers;
import dev.viaduct.sys.net.IpAddresses;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The wire form of {@link BfddMessage}: one JSON object per line (UTF-8, {@code \n}-terminated; JSON escapes
 * every newline inside strings, so a message is always exactly one line). Field {@code op} names the message;
 * intervals are whole microseconds as in BFD itself ({@code txUs}); times are ISO-8601 instants. Decoding
 * checks every field and reports the first bad one by path ({@code sessions[2].peer: 'x' is not an IP
 * address}); nothing but {@link BfddProtocolException} ever escapes it.
 *
 * <p>The JSON itself is {@link LineJson}'s, not a library's: bfdd is a daemon on every node.
 *
 * <p>Pure: no I/O; thread-safe.
 */
public final class BfddCodec {
    /** The longest line either side accepts (a few thousand sessions fit easily). */
    public static final int MAX_LINE_BYTES = 4 << 20;

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
        Obj o = Obj.create();
        switch (m) {
            case Hello h -> head(o, "hello", h.id()).put("protocol", h.protocol()).put("client", h.client());
            case SetSessions s -> {
                Arr a = head(o, "set", s.id()).putArray("sessions");
                for (DesiredSession d : s.sessions()) {
                    desired(a.addObject(), d);
                }
                a.end();
            }
            case GetStatus g -> head(o, "status", g.id());
            case Shutdown s -> head(o, "shutdown", s.id()).put("adminDown", s.adminDown());
            case Welcome w -> {
                head(o, "welcome", w.id()).put("protocol", w.protocol()).put("pid", w.pid()).put("netns", w.netns())
                        .put("startedAt", w.startedAt().toString());
                views(o.putArray("sessions"), w.sessions());
                o.put("unmatchedDiscards", w.unmatchedDiscards());
            }
            case Status s -> {
                views(head(o, "sessions", s.id()).putArray("sessions"), s.sessions());
                o.put("unmatchedDiscards", s.unmatchedDiscards());
            }
            case Failure f -> head(o, "failure", f.id()).put("error", f.error());
            case Event e -> {
                view(head(o, "event", e.id()).putObject("session"), e.session());
                o.put("from", e.from().name()).put("to", e.to().name()).put("diagnostic", e.diagnostic().code())
                        .put("signal", e.signal());
            }
        }
        return o.text();
    }

    private static Obj head(Obj o, String op, long id) {
        return o.put("op", op).put("id", id);
    }

    private static void desired(Obj o, DesiredSession d) {
        o.put("name", d.name()).put("peer", d.peer().getHostAddress()).put("local", d.local().getHostAddress());
        d.interfaceName().ifPresent(i -> o.put("interface", i));
        o.put("txUs", d.timers().desiredMinTxMicros()).put("rxUs", d.timers().requiredMinRxMicros())
                .put("multiplier", d.timers().detectMultiplier()).end();
    }

    private static void views(Arr a, List<SessionView> views) {
        for (SessionView v : views) {
            view(a.addObject(), v);
        }
        a.end();
    }

    private static void view(Obj o, SessionView v) {
        o.put("name", v.name()).put("peer", v.peer().getHostAddress()).put("local", v.local().getHostAddress());
        v.interfaceName().ifPresent(i -> o.put("interface", i));
        o.put("state", v.state().name()).put("remoteState", v.remoteState().name()).put("pathDown", v.pathDown())
                .put("txUs", micros(v.txInterval())).put("rxUs", micros(v.rxInterval())).put("detectUs", micros(v.detectTime()))
                .put("lastStateChange", v.lastStateChange().toString()).put("packetsIn", v.packetsIn())
                .put("packetsOut", v.packetsOut()).put("discarded", v.discarded());
        v.error().ifPresent(e -> o.put("error", e));
        o.end();
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
        Object root;
        try {
            root = LineJson.parse(line);
        } catch (LineJson.SyntaxException e) {
            throw new BfddProtocolException("not JSON: " + e.getMessage());
        }
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
            if (n == null || n == LineJson.NULL) {
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
            if (n == null || n == LineJson.NULL) {
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
