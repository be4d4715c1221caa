package dev.viaduct.kube;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.BooleanSupplier;

/**
 * kube-controllers' Prometheus metrics, registered in the registry the caller serves on {@code /metrics}.
 *
 * <p>Concurrency: the client library's metrics are thread-safe; the leader gauge's callback runs on the
 * scrape thread and reads a volatile flag.
 */
final class KubeMetrics {
    private final Counter writes;
    private final Counter lists;
    private final Counter apiErrors;
    private final Counter storeErrors;
    private final Counter invalidPolicies;
    private final Counter podAddressesReleased;
    private final Counter nodesReleased;
    private final Counter leaderships;

    KubeMetrics(PrometheusRegistry registry, BooleanSupplier leading) {
        writes = Counter.builder().name("viaduct_kube_store_writes_total")
                .help("Store records kube-controllers wrote (put) or removed (delete), by kind of Kubernetes object")
                .labelNames("kind", "op").register(registry);
        lists = Counter.builder().name("viaduct_kube_lists_total")
                .help("Complete lists of a kind from the API (at start and after a watch expired or broke), each followed by a full resync of the store")
                .labelNames("kind").register(registry);
        apiErrors = Counter.builder().name("viaduct_kube_api_errors_total")
                .help("Failed lists and watches of the Kubernetes API, by kind (retried with backoff)").labelNames("kind").register(registry);
        storeErrors = Counter.builder().name("viaduct_kube_store_errors_total")
                .help("Store operations that failed and are retried with backoff").register(registry);
        invalidPolicies = Counter.builder().name("viaduct_kube_invalid_policies_total")
                .help("NetworkPolicy versions that failed validation and were not written to the store").register(registry);
        podAddressesReleased = Counter.builder().name("viaduct_kube_pod_gc_released_total")
                .help("IPAM handles released because their pod was gone from the API for the grace period").register(registry);
        nodesReleased = Counter.builder().name("viaduct_kube_nodes_released_total")
                .help("Deleted Nodes whose blocks and addresses were given back").register(registry);
        leaderships = Counter.builder().name("viaduct_kube_leaderships_total")
                .help("Times this instance became the leader").register(registry);
        GaugeWithCallback.builder().name("viaduct_kube_leader").help("1 while this instance holds the leader Lease")
                .callback(cb -> cb.call(leading.getAsBoolean() ? 1 : 0)).register(registry);
    }

    void wrote(Kind kind, String op) {
        writes.labelValues(kind.apiKind(), op).inc();
    }

    void listed(Kind kind) {
        lists.labelValues(kind.apiKind()).inc();
    }

    void apiError(Kind kind) {
        apiErrors.labelValues(kind.apiKind()).inc();
    }

    void storeError() {
        storeErrors.inc();
    }

    void invalidPolicy() {
        invalidPolicies.inc();
    }

    void podAddressReleased() {
        podAddressesReleased.inc();
    }

    void nodeReleased() {
        nodesReleased.inc();
    }

    void becameLeader() {
        leaderships.inc();
    }
}
