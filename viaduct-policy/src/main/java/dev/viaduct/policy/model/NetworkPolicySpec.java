package dev.viaduct.policy.model;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A NetworkPolicySpec. {@code policyTypes} is kept as written (empty when absent); {@link #effectiveTypes()}
 * applies the API's defaulting.
 */
public record NetworkPolicySpec(LabelSelector podSelector, List<PolicyType> policyTypes, List<IngressRule> ingress,
                                List<EgressRule> egress) {
    public NetworkPolicySpec {
        policyTypes = List.copyOf(policyTypes);
        ingress = List.copyOf(ingress);
        egress = List.copyOf(egress);
    }

    /**
     * The policy types in force. The API: when policyTypes is not specified, Ingress is always set, and Egress
     * is set when the policy has any egress rules.
     */
    public Set<PolicyType> effectiveTypes() {
        if (!policyTypes.isEmpty()) {
            return EnumSet.copyOf(policyTypes);
        }
        return egress.isEmpty() ? EnumSet.of(PolicyType.Ingress) : EnumSet.of(PolicyType.Ingress, PolicyType.Egress);
    }

    /** The rules of one direction. */
    public List<? extends Rule> rules(PolicyType type) {
        return type == PolicyType.Ingress ? ingress : egress;
    }
}
