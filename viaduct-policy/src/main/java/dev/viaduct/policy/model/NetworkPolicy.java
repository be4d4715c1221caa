package dev.viaduct.policy.model;

import java.util.Comparator;

/** A NetworkPolicy: its namespace and name (metadata) and its spec. */
public record NetworkPolicy(String namespace, String name, NetworkPolicySpec spec) {
    /**
     * The order policies are compiled and reported in: by namespace, then name. Written out rather than with
     * {@code Comparator.comparing}, whose lambdas the JDK's AOT cache does not keep (spun at run time, a short
     * command's cost).
     */
    public static final Comparator<NetworkPolicy> ORDER = (a, b) -> {
        int byNamespace = a.namespace().compareTo(b.namespace());
        return byNamespace != 0 ? byNamespace : a.name().compareTo(b.name());
    };

    /** {@code namespace/name}. */
    public String id() {
        return namespace + "/" + name;
    }

    /** Whether this policy selects {@code pod} (same namespace, podSelector matches). */
    public boolean selects(Pod pod) {
        return pod.namespace().equals(namespace) && spec.podSelector().matches(pod.labels());
    }
}
