package dev.viaduct.policy.model;

import java.util.List;

/**
 * A NetworkPolicyIngressRule. An empty {@code from} matches every source and empty {@code ports} every port
 * (the API documents "empty or missing" alike for both).
 */
public record IngressRule(List<Peer> from, List<PolicyPort> ports) implements Rule {
    public IngressRule {
        from = List.copyOf(from);
        ports = List.copyOf(ports);
    }

    @Override
    public List<Peer> peers() {
        return from;
    }
}
