package dev.viaduct.agent.ops;

import dev.viaduct.agent.cni.CniEndpoint;
import dev.viaduct.agent.cni.CniHandler;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.DoubleSupplier;

/**
 * The agent's Prometheus metrics, in their own registry. Stateful metrics (CNI calls) are updated where the
 * event happens; everything that already has a counter or a size somewhere is exported by callback, so there
 * is one source of truth.
 */
public final class AgentMetrics implements CniEndpoint.Observer {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter cniRequests = Counter.builder().name("viaduct_cni_requests_total")
            .help("CNI calls by verb and result (ok, or the CNI error code)").labelNames("verb", "result").register(registry);
    private final Histogram cniLatency = Histogram.builder().name("viaduct_cni_request_duration_seconds")
            .help("CNI call latency in the agent by verb and result").labelNames("verb", "result")
            .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .classicOnly().register(registry);

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

    /** A gauge read at scrape time. */
    public void gauge(String name, String help, DoubleSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble())).register(registry);
    }

    /** A counter read at scrape time from a monotonic source. */
    public void counter(String name, String help, DoubleSupplier value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble())).register(registry);
    }
}
