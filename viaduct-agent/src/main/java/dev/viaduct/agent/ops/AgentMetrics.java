package dev.viaduct.agent.ops;

import dev.viaduct.ops.StandardMetrics;
import dev.viaduct.store.MeteredDatastore;
import dev.viaduct.agent.cni.CniEndpoint;
import dev.viaduct.agent.cni.CniHandler;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * The agent's Prometheus metrics, in their own registry. Event metrics (CNI calls, etcd requests, reconcile
 * passes, netlink errors) are updated where the event happens, through the small observer interfaces this
 * class implements; everything that already has a counter or a size somewhere is exported by callback, so
 * there is one source of truth. The JVM, process and build-info metrics come from {@link StandardMetrics}.
 * The full list, with what each is for, is in {@code docs/operations.md}.
 *
 * <p>Concurrency: the client library's metrics are thread-safe; callbacks run on the scrape thread and only
 * read thread-safe state.
 */
public final class AgentMetrics implements CniEndpoint.Observer, MeteredDatastore.Observer, NetlinkErrors {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter cniRequests = Counter.builder().name("viaduct_cni_requests_total")
            .help("CNI calls by verb and result (ok, or the CNI error code)").labelNames("verb", "result").register(registry);
    private final Histogram cniLatency = Histogram.builder().name("viaduct_cni_request_duration_seconds")
            .help("CNI call latency in the agent by verb and result").labelNames("verb", "result")
            .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .classicOnly().register(registry);
    private final Histogram reconcileDuration = Histogram.builder().name("viaduct_route_reconcile_duration_seconds")
            .help("Route reconcile passes by kind (full: with a kernel dump; incremental: diff against the cached view)")
            .labelNames("kind")
            .classicUpperBounds(0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)
            .classicOnly().register(registry);
    private final Counter netlinkErrors = Counter.builder().name("viaduct_netlink_errors_total")
            .help("Netlink requests the kernel refused, by component (routes, dataplane) and errno")
            .labelNames("component", "errno").register(registry);
    private final Histogram etcdLatency = Histogram.builder().name("viaduct_etcd_request_duration_seconds")
            .help("etcd request latency as the agent waited for it, by operation (failures included)").labelNames("op")
            .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .classicOnly().register(registry);
    private final Counter etcdErrors = Counter.builder().name("viaduct_etcd_request_errors_total")
            .help("etcd requests that failed, by operation and reason (unavailable, auth, rejected, corrupt, closed, internal)")
            .labelNames("op", "reason").register(registry);
    private final Counter etcdLeasesLost = Counter.builder().name("viaduct_etcd_leases_lost_total")
            .help("Leases etcd reported gone while the agent kept them alive (the node record is re-published)")
            .register(registry);

    private final Counter reclaimed = Counter.builder().name("viaduct_ipam_reclaimed_total")
            .help("Addresses and blocks of gone nodes this agent reclaimed while it held the reclaimer lock, by kind (addresses, blocks)")
            .labelNames("kind").register(registry);

    public AgentMetrics() {
        StandardMetrics.register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public void finished(CniHandler.Outcome outcome, long nanos) {
        String verb = outcome.command() == null ? "unknown" : outcome.command().name();
        String result = outcome.ok() ? "ok" : Integer.toString(outcome.errorCode());
        cniRequests.labelValues(verb, result).inc();
        cniLatency.labelValues(verb, result).observe(nanos / 1e9);
    }

    @Override
    public void finished(String op, long nanos, String error) {
        etcdLatency.labelValues(op).observe(nanos / 1e9);
        if (error != null) {
            etcdErrors.labelValues(op, error).inc();
        }
    }

    @Override
    public void leaseLost() {
        etcdLeasesLost.inc();
    }

    @Override
    public void error(String component, String errno) {
        netlinkErrors.labelValues(component, errno).inc();
    }

    /** One route reconcile pass (wire to {@code RouteReconciler.onPass}). */
    public void reconcilePass(boolean full, long nanos) {
        reconcileDuration.labelValues(full ? "full" : "incremental").observe(nanos / 1e9);
    }

    /** One reclamation pass (wire to the IPAM reclaimer). */
    public void reclaimed(int addresses, int blocks) {
        reclaimed.labelValues("addresses").inc(addresses);
        reclaimed.labelValues("blocks").inc(blocks);
    }

    /** A gauge read at scrape time. */
    public void gauge(String name, String help, DoubleSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble())).register(registry);
    }

    /** A counter read at scrape time from a monotonic source. */
    public void counter(String name, String help, DoubleSupplier value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble())).register(registry);
    }

    /**
     * A gauge with labels read at scrape time: {@code values} maps each label-value list (in the order of
     * {@code labelNames}) to its value. Label sets that disappear from the map disappear from the scrape.
     */
    public void labelledGauge(String name, String help, List<String> labelNames, Supplier<Map<List<String>, Double>> values) {
        labelledGauge(registry, name, help, labelNames, values);
    }

    private static void labelledGauge(PrometheusRegistry registry, String name, String help, List<String> labelNames,
            Supplier<Map<List<String>, Double>> values) {
        GaugeWithCallback.builder().name(name).help(help).labelNames(labelNames.toArray(String[]::new))
                .callback(cb -> values.get().forEach((labels, v) -> cb.call(v, labels.toArray(String[]::new))))
                .register(registry);
    }

    /** What BGP metrics need of one peer session. */
    public record BgpPeerSample(String peer, String state, long prefixesReceived, long prefixesAccepted,
            long prefixesAdvertised) {
        /** A session's sample, labelled with the peer's name, or its address when it has none. */
        public static BgpPeerSample of(dev.viaduct.bgp.speaker.PeerStatus p) {
            return new BgpPeerSample(p.name() == null || p.name().isBlank() ? p.address().getHostAddress() : p.name(), p.state(),
                    p.received(), p.accepted(), p.advertised());
        }
    }

    /** The BGP states of RFC 4271 §8.2.2, so every state is exported (as 0 when no session is in it). */
    static final List<String> BGP_STATES = List.of("Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established");

    /** The RFC 4271 spelling of a state however the speaker spells it ({@code OPENSENT}, {@code open_sent} → OpenSent). */
    static String rfcState(String state) {
        String key = state.replace("_", "").replace("-", "");
        for (String s : BGP_STATES) {
            if (s.equalsIgnoreCase(key)) {
                return s;
            }
        }
        return state;
    }

    /**
     * Registers {@code viaduct_bgp_sessions{state}} (sessions per FSM state) and
     * {@code viaduct_bgp_prefixes{peer,direction}} (received, accepted, advertised per peer), read from
     * {@code peers} at scrape time. For BGP mode: call once with the speaker's peer list.
     */
    public void bgpPeers(Supplier<Collection<BgpPeerSample>> peers) {
        bgpPeers(registry, peers);
    }

    /** {@link #bgpPeers(Supplier)} in another registry (the standalone speaker's). */
    public static void bgpPeers(PrometheusRegistry registry, Supplier<Collection<BgpPeerSample>> peers) {
        labelledGauge(registry, "viaduct_bgp_sessions", "BGP sessions by FSM state (RFC 4271 section 8.2.2)", List.of("state"), () -> {
            Map<List<String>, Double> m = new TreeMap<>(java.util.Comparator.comparing((List<String> l) -> l.getFirst()));
            BGP_STATES.forEach(s -> m.put(List.of(s), 0.0));
            for (BgpPeerSample p : peers.get()) {
                m.merge(List.of(rfcState(p.state())), 1.0, Double::sum);
            }
            return m;
        });
        labelledGauge(registry, "viaduct_bgp_prefixes", "Prefixes per BGP peer by direction (received, accepted, advertised)",
                List.of("peer", "direction"), () -> {
                    Map<List<String>, Double> m = new java.util.LinkedHashMap<>();
                    for (BgpPeerSample p : peers.get()) {
                        m.put(List.of(p.peer(), "received"), (double) p.prefixesReceived());
                        m.put(List.of(p.peer(), "accepted"), (double) p.prefixesAccepted());
                        m.put(List.of(p.peer(), "advertised"), (double) p.prefixesAdvertised());
                    }
                    return m;
                });
    }
}
