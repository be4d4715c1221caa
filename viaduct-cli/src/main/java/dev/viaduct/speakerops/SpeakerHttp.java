package dev.viaduct.speakerops;

import dev.viaduct.ops.OpsHttp;
import dev.viaduct.agent.ops.AgentMetrics;
import dev.viaduct.ops.Liveness;
import dev.viaduct.agent.ops.StatusJson;
import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.PeerStatus;
import dev.viaduct.bgp.wire.Family;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code viaduct bgp}'s HTTP endpoint, the agent's {@link OpsHttp} around a {@link BgpSpeaker}:
 * <ul>
 *   <li>{@code /healthz}: 503 when the RIB thread has been busy with one batch (or gone) past
 *       {@link #LIVENESS_DEADLINE}: a wedged route reflector must be restarted, not trusted;
 *   <li>{@code /readyz}: 503 while route selection is deferred after a graceful restart (RFC 4724 §4.1) or the
 *       RIB is wedged; peers being down is not unreadiness (a route reflector waits for its clients);
 *   <li>{@code /status}: speaker identity, Loc-RIB sizes and every peer (the agent's peer fields);
 *   <li>{@code /metrics}: {@code viaduct_bgp_sessions{state}}, {@code viaduct_bgp_prefixes{peer,direction}},
 *       {@code viaduct_bgp_peer_up{peer}}, {@code viaduct_bgp_loc_rib_prefixes{family}} and the speaker's counters;
 *   <li>{@code /routes}: see {@link RoutesHandler}.
 * </ul>
 * Concurrency: the HTTP server's virtual threads; everything read is thread-safe in {@link BgpSpeaker}.
 */
public final class SpeakerHttp implements AutoCloseable {
    /** How long the RIB thread may spend on one batch before {@code /healthz} fails (the agent's default). */
    public static final Duration LIVENESS_DEADLINE = Duration.ofSeconds(60);

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final BgpSpeaker speaker;
    private final LongSupplier clock;
    private final long startedAt;
    private final Liveness liveness = new Liveness();
    private final OpsHttp http;

    /** Starts serving on {@code listen} (port 0: any); {@code clock} is the one the speaker was started with. */
    public SpeakerHttp(BgpSpeaker speaker, InetSocketAddress listen, LongSupplier clock) throws IOException {
        this(speaker, listen, clock, LIVENESS_DEADLINE);
    }

    SpeakerHttp(BgpSpeaker speaker, InetSocketAddress listen, LongSupplier clock, Duration deadline) throws IOException {
        this.speaker = speaker;
        this.clock = clock;
        this.startedAt = clock.getAsLong();
        liveness.register("bgp-rib", () -> deadline, speaker::ribStalledSince);
        PrometheusRegistry registry = new PrometheusRegistry();
        registerMetrics(registry);
        http = new OpsHttp(listen.getAddress().getHostAddress(), listen.getPort(), registry,
                () -> liveness.failures(clock.getAsLong()), this::notReady, this::statusJson,
                Map.of("/routes", new RoutesHandler(speaker)));
    }

    public int port() {
        return http.port();
    }

    private String notReady() {
        List<String> wedged = liveness.failures(clock.getAsLong());
        if (!wedged.isEmpty()) {
            return String.join("; ", wedged);
        }
        return speaker.selectionDeferred() ? "route selection deferred after a restart until End-of-RIB (RFC 4724 section 4.1)" : "";
    }

    String statusJson() {
        ObjectNode o = JSON.createObjectNode();
        var cfg = speaker.config();
        o.put("asn", cfg.asn());
        o.put("routerId", cfg.routerId().getHostAddress());
        InetSocketAddress l = speaker.listenAddress();
        o.put("listen", l == null ? "" : l.getAddress().getHostAddress() + ":" + l.getPort());
        o.put("uptimeSeconds", Duration.ofNanos(clock.getAsLong() - startedAt).toSeconds());
        List<String> wedged = liveness.failures(clock.getAsLong());
        String notReady = notReady();
        o.put("ready", notReady.isEmpty());
        o.put("notReady", notReady);
        if (wedged.isEmpty()) { // a wedged RIB thread would hold this request for its 30 s call timeout
            ObjectNode sizes = o.putObject("locRib");
            for (Family f : Family.values()) {
                sizes.put(f.label(), speaker.locRibSize(f));
            }
        }
        Map<InetAddress, PeerConfig> configured = new java.util.HashMap<>();
        cfg.peers().forEach(p -> configured.put(p.address(), p));
        var peers = o.putArray("peers");
        for (PeerStatus ps : speaker.peers()) {
            ObjectNode po = StatusJson.peer(peers.addObject(), ps);
            PeerConfig pc = configured.get(ps.address());
            po.put("routeReflectorClient", pc != null && pc.rrClient());
            var fams = po.putArray("families");
            ps.families().stream().map(Family::label).sorted().forEach(fams::add);
            po.put("messagesReceived", ps.messagesReceived());
            po.put("messagesSent", ps.messagesSent());
        }
        return o.toPrettyString() + "\n";
    }

    private void registerMetrics(PrometheusRegistry registry) {
        AgentMetrics.bgpPeers(registry, () -> speaker.peers().stream().map(AgentMetrics.BgpPeerSample::of).toList());
        GaugeWithCallback.builder().name("viaduct_bgp_peer_up").help("1 while the session with the peer is Established")
                .labelNames("peer").callback(cb -> speaker.peers().forEach(p -> cb.call(p.established() ? 1 : 0,
                        AgentMetrics.BgpPeerSample.of(p).peer())))
                .register(registry);
        GaugeWithCallback.builder().name("viaduct_bgp_loc_rib_prefixes").help("Prefixes with a usable best path, by family")
                .labelNames("family").callback(cb -> {
                    if (liveness.failures(clock.getAsLong()).isEmpty()) {
                        for (Family f : Family.values()) {
                            cb.call(speaker.locRibSize(f), f.label());
                        }
                    }
                })
                .register(registry);
        for (String name : speaker.counters().keySet()) {
            String metric = "viaduct_bgp_" + name;
            String help = "BGP speaker: " + name.replace('_', ' ');
            if (name.endsWith("_total")) {
                io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name(metric.substring(0, metric.length() - 6)).help(help)
                        .callback(cb -> cb.call(speaker.counters().get(name))).register(registry);
            } else {
                GaugeWithCallback.builder().name(metric).help(help).callback(cb -> cb.call(speaker.counters().get(name))).register(registry);
            }
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
