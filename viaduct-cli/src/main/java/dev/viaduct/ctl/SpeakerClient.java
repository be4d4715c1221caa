package dev.viaduct.ctl;

import dev.viaduct.store.JsonTrees;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * {@code viaduct ctl bgp}'s client of a standalone speaker's endpoint ({@code viaduct bgp}, {@code http.listen}):
 * {@code GET /status} and {@code GET /routes}. Failures are {@link CtlException}s naming the URL: unreachable
 * (exit 3), or a usage error (exit 2) when the speaker refuses the query's parameters.
 */
public final class SpeakerClient {
    private static final String REFUSED_HINT = "is viaduct bgp running, with http.listen on this address?";
    private final URI base;
    private final Duration timeout;

    public SpeakerClient(URI base, Duration timeout) {
        this.base = base;
        this.timeout = timeout;
    }

    /** {@code viaduct ctl bgp peers}: the speaker's sessions. */
    public PeersReport peers() {
        HttpAgentClient.Answer r = HttpAgentClient.get(base, "/status", timeout, "speaker", REFUSED_HINT);
        String body = r.text(base);
        if (r.status() != 200) {
            throw CtlException.unreachable("speaker at " + base + " answered HTTP " + r.status() + " to GET /status", null);
        }
        try {
            JsonFields f = new JsonFields(JsonTrees.read(body), "");
            String name = "AS" + f.number("asn", 0) + " " + f.string("routerId");
            return new PeersReport(List.of(new PeersReport.NodePeers(name, "bgp", f.list("peers", AgentStatus::peer), "")));
        } catch (JacksonException | IllegalArgumentException e) {
            throw CtlException.unreachable(base + "/status is not a speaker's status (" + e.getMessage()
                    + "); is " + base + " a viaduct bgp endpoint?", e);
        }
    }

    /** The query string of a route query; null parts are left out. */
    public static String routesQuery(String prefix, String peer, Integer limit) {
        List<String> q = new ArrayList<>();
        if (prefix != null) {
            q.add("prefix=" + URLEncoder.encode(prefix, StandardCharsets.UTF_8));
        }
        if (peer != null) {
            q.add("peer=" + URLEncoder.encode(peer, StandardCharsets.UTF_8));
        }
        if (limit != null) {
            q.add("limit=" + limit);
        }
        return "/routes" + (q.isEmpty() ? "" : "?" + String.join("&", q));
    }

    /** {@code GET /routes...} as the speaker streams it (the caller closes it). */
    public InputStream routes(String pathAndQuery) {
        HttpAgentClient.Answer r = HttpAgentClient.get(base, pathAndQuery, timeout, "speaker", REFUSED_HINT);
        if (r.status() == 200) {
            return r.body();
        }
        String why;
        try (InputStream in = r.body()) {
            JsonNode e = JsonTrees.read(in.readAllBytes());
            why = e.path("error").asString("HTTP " + r.status());
        } catch (java.io.IOException | JacksonException e) {
            why = "HTTP " + r.status();
        }
        if (r.status() == 400) {
            throw new CtlException(CtlException.USAGE, "speaker at " + base + " refused the query: " + why);
        }
        throw CtlException.unreachable("speaker at " + base + " answered " + why + " to GET " + pathAndQuery, null);
    }
}
