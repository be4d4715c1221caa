package dev.viaduct.speakerops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.viaduct.ops.OpsHttp;
import dev.viaduct.bgp.rib.RibRoute;
import dev.viaduct.bgp.rib.RouteAttrs;
import dev.viaduct.bgp.rib.RouteQuery;
import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.wire.AsPathSegment;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.PathAttribute;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /routes?prefix=P&peer=A&family=F&limit=N}: the Loc-RIB candidates of the prefixes inside
 * {@code P} (P itself included; default: the whole family), only those learned from peer {@code A} if given,
 * the first {@code N} prefixes in prefix order ({@link #DEFAULT_LIMIT} by default, 0: all), streamed as
 * <pre>{@code
 * {"family": "ipv4-unicast", "prefix": "10.0.0.0/8", "peer": null, "limit": 1000, "matched": 1000000,
 *  "returned": 1000, "routes": [{"prefix": "10.0.0.0/24", "source": "rr1", "peer": "192.0.2.1",
 *  "nextHop": "192.0.2.1", "asPath": "65001 65002", "origin": "igp", "localPref": 100, "med": null,
 *  "communities": ["65000:100"], "best": true, "multipath": true, "stale": false}, ...]}
 * }</pre>
 * {@code matched} counts every matching prefix, {@code returned} those whose routes follow. The matching is
 * one walk of the RIB's primitive keys on the RIB thread; the rows are then built on it {@link #CHUNK}
 * prefixes at a time while they are written, so neither a million objects nor a long hold of the RIB thread
 * is ever needed. A bad parameter is a 400 naming it.
 */
final class RoutesHandler implements HttpHandler {
    static final int DEFAULT_LIMIT = 1000;
    static final int CHUNK = 4096;
    private static final Set<String> PARAMS = Set.of("prefix", "peer", "family", "limit");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final BgpSpeaker speaker;

    RoutesHandler(BgpSpeaker speaker) {
        this.speaker = speaker;
    }

    /** The query a request asks, or IllegalArgumentException naming the parameter. */
    static RouteQuery query(String rawQuery) {
        Map<String, String> q = new HashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String kv : rawQuery.split("&")) {
                int eq = kv.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
                if (!PARAMS.contains(k)) {
                    throw new IllegalArgumentException("unknown parameter '" + k + "' (known: family, limit, peer, prefix)");
                }
                q.put(k, eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        IpPrefix within = null;
        if (q.containsKey("prefix")) {
            try {
                within = IpPrefix.parse(q.get("prefix")).network();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("prefix: '" + q.get("prefix") + "' is not a prefix like 10.0.0.0/8");
            }
        }
        Family family;
        String f = q.get("family");
        if (f == null) {
            family = within != null && within.ipv6() ? Family.IPV6_UNICAST : Family.IPV4_UNICAST;
        } else if (f.equals(Family.IPV4_UNICAST.label())) {
            family = Family.IPV4_UNICAST;
        } else if (f.equals(Family.IPV6_UNICAST.label())) {
            family = Family.IPV6_UNICAST;
        } else {
            throw new IllegalArgumentException("family: '" + f + "' is not ipv4-unicast or ipv6-unicast");
        }
        InetAddress peer = null;
        if (q.containsKey("peer")) {
            try {
                peer = IpAddresses.parse(q.get("peer"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("peer: '" + q.get("peer") + "' is not an IP address");
            }
        }
        int limit = DEFAULT_LIMIT;
        if (q.containsKey("limit")) {
            try {
                limit = Integer.parseInt(q.get("limit"));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 0) {
                throw new IllegalArgumentException("limit: '" + q.get("limit") + "' must be 0 (all) or a positive number");
            }
        }
        try {
            return new RouteQuery(family, within, peer, limit);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("family: " + e.getMessage());
        }
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        if (!ex.getRequestMethod().equals("GET")) {
            OpsHttp.reply(ex, 405, "{\"error\": \"GET only\"}\n", "application/json");
            return;
        }
        RouteQuery q;
        try {
            q = query(ex.getRequestURI().getRawQuery());
        } catch (IllegalArgumentException e) {
            OpsHttp.reply(ex, 400, JSON.createObjectNode().put("error", e.getMessage()).toString() + "\n", "application/json");
            return;
        }
        RouteQuery.Match m = speaker.matchRoutes(q);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(200, 0); // chunked: the length is known only once written
        try (OutputStream body = ex.getResponseBody(); JsonGenerator g = JSON.createGenerator(body)) {
            g.writeStartObject();
            g.writeStringProperty("family", q.family().label());
            g.writeStringProperty("prefix", q.within() == null ? null : q.within().toString());
            g.writeStringProperty("peer", q.peer() == null ? null : IpAddresses.format(q.peer()));
            g.writeNumberProperty("limit", q.limit());
            g.writeNumberProperty("matched", m.matched());
            g.writeNumberProperty("returned", m.size());
            g.writeArrayPropertyStart("routes");
            for (int from = 0; from < m.size(); from += CHUNK) {
                for (RibRoute r : speaker.routesAt(m, from, Math.min(m.size(), from + CHUNK))) {
                    write(g, r);
                }
                g.flush();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.flush();
            body.write('\n');
        }
    }

    private static void write(JsonGenerator g, RibRoute r) {
        RouteAttrs a = r.attrs();
        g.writeStartObject();
        g.writeStringProperty("prefix", r.prefix().toString());
        g.writeStringProperty("source", r.source());
        g.writeStringProperty("peer", r.peerAddress() == null ? null : IpAddresses.format(r.peerAddress()));
        g.writeStringProperty("nextHop", a.nextHopBytes().length == 0 ? null : IpAddresses.format(a.nextHop()));
        StringBuilder path = new StringBuilder();
        for (AsPathSegment s : a.asPath()) {
            if (!path.isEmpty()) {
                path.append(' ');
            }
            path.append(s.type() == AsPathSegment.AS_SET ? "{" + s.toString().replace(' ', ',') + "}" : s.toString());
        }
        g.writeStringProperty("asPath", path.toString());
        g.writeStringProperty("origin", switch (a.origin()) {
            case PathAttribute.Origin.IGP -> "igp";
            case PathAttribute.Origin.EGP -> "egp";
            default -> "incomplete";
        });
        writeOptional(g, "localPref", a.localPref());
        writeOptional(g, "med", a.med());
        g.writeArrayPropertyStart("communities");
        int[] cs = a.communities();
        if (cs != null) {
            for (int c : cs) {
                g.writeString((c >>> 16) + ":" + (c & 0xFFFF));
            }
        }
        g.writeEndArray();
        g.writeBooleanProperty("best", r.best());
        g.writeBooleanProperty("multipath", r.multipath());
        g.writeBooleanProperty("stale", r.stale());
        g.writeEndObject();
    }

    private static void writeOptional(JsonGenerator g, String name, long v) {
        if (v == RouteAttrs.ABSENT) {
            g.writeNullProperty(name);
        } else {
            g.writeNumberProperty(name, v);
        }
    }
}
