package dev.viaduct.policy.model;

import java.util.List;

/** What ingress and egress rules share: the peers on the far side and the destination ports. */
public sealed interface Rule permits IngressRule, EgressRule {
    List<Peer> peers();

    List<PolicyPort> ports();
}
