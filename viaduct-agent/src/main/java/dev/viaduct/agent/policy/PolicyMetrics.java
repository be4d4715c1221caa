package dev.viaduct.agent.policy;

import dev.viaduct.agent.ops.AgentMetrics;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;

/** The policy enforcer's metrics, in the agent's registry (listed in {@code docs/operations.md}). */
public final class PolicyMetrics {
    private PolicyMetrics() {
    }

    public static void register(PolicyEnforcer p, AgentMetrics m) {
        // the table's named counters, read at each apply and resync; a full rewrite of the table restarts them
        // from zero, which Prometheus' rate() treats as a counter reset
        CounterWithCallback.builder().name("viaduct_policy_dropped_packets_total")
                .help("Packets dropped because no rule of the policies isolating the pod allows them, by the isolating policy")
                .labelNames("namespace", "policy", "direction")
                .callback(cb -> p.dropped().forEach((labels, v) -> cb.call(v, labels.toArray(String[]::new))))
                .register(m.registry());
        m.gauge("viaduct_policy_rules", "nftables rules in this node's policy table as last applied", p::rules);
        m.gauge("viaduct_policy_policies", "NetworkPolicies known to this agent", p::policies);
        m.gauge("viaduct_policy_bad_records", "Policy, pod and namespace records in the store that do not decode",
                () -> p.recordProblems().size());
        m.counter("viaduct_policy_applies", "nft transactions applied to the policy table (full and delta)", p.applies::get);
        m.counter("viaduct_policy_drift_repairs", "Times the policy table was found changed or deleted and rewritten",
                p.drifted::get);
        m.counter("viaduct_policy_apply_errors", "Policy passes that failed (nft refused or missing)", p.errors::get);
        Histogram latency = Histogram.builder().name("viaduct_policy_apply_duration_seconds")
                .help("Policy changes drained, rendered and committed in one nft transaction, by kind (full or delta)")
                .labelNames("kind")
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .classicOnly().register(m.registry());
        p.onApply((full, nanos) -> latency.labelValues(full ? "full" : "delta").observe(nanos / 1e9));
    }
}
