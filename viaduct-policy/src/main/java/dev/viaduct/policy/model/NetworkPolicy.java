package dev.viaduct.policy.model;

import java.util.Comparator;

/** A NetworkPolicy: its namespace and name (metadata) and its spec. */
public record NetworkPolicy(String namespace, String name, NetworkPolicySpec spec) {
    /** The order policies are compiled and reported in. */
    public static final Comparator<NetworkPolicy> ORDER =
            Comparator.comparing(NetworkPolicy::namespace).thenComparing(NetworkPolicy::name);

    /** {@code namespace/name}. */
    public String id() {
        return namespace + "/" + name;
    }

    /** Whether this policy selects {@code pod} (same namespace, podSelector matches). */
    public boolean selects(Pod pod) {
        return pod.namespace().equals(namespace) && spec.podSelector().matches(pod.labels());
    }
}
