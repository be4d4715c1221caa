package dev.viaduct.policy.model;

import java.util.List;

/** A NetworkPolicyEgressRule: an empty {@code to} matches every destination, empty {@code ports} every port. */
public record EgressRule(List<Peer> to, List<PolicyPort> ports) implements Rule {
    public EgressRule {
        to = List.copyOf(to);
        ports = List.copyOf(ports);
    }

    @Override
    public List<Peer> peers() {
        return to;
    }
}
