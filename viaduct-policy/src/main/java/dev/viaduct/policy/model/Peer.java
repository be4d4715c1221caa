package dev.viaduct.policy.model;

import java.util.Map;

/**
 * A NetworkPolicyPeer: pods chosen by selectors, or an IP block (the API forbids both in one peer).
 */
public sealed interface Peer {
    /**
     * {@code podSelector} alone: pods of the policy's own namespace; {@code namespaceSelector} alone: every pod
     * of the selected namespaces; both: pods matching {@code podSelector} in the selected namespaces (AND).
     * At least one is non-null.
     */
    record Pods(LabelSelector podSelector, LabelSelector namespaceSelector) implements Peer {
        public Pods {
            if (podSelector == null && namespaceSelector == null) {
                throw new IllegalArgumentException("a pod peer needs podSelector or namespaceSelector");
            }
        }

        /**
         * Whether this peer, in a policy of {@code policyNamespace}, selects {@code pod}. A namespace selector
         * selects only namespaces in {@code namespaces}: a namespace that does not exist matches nothing.
         */
        public boolean selects(Pod pod, String policyNamespace, Map<String, Namespace> namespaces) {
            return selectsNamespace(pod.namespace(), policyNamespace, namespaces) && selectsLabels(pod);
        }

        /** The namespace half of {@link #selects}: whether pods of {@code namespace} can be selected at all. */
        public boolean selectsNamespace(String namespace, String policyNamespace, Map<String, Namespace> namespaces) {
            if (namespaceSelector == null) {
                return namespace.equals(policyNamespace);
            }
            Namespace n = namespaces.get(namespace);
            return n != null && namespaceSelector.matches(n.labels());
        }

        /** The pod half of {@link #selects}. */
        public boolean selectsLabels(Pod pod) {
            return podSelector == null || podSelector.matches(pod.labels());
        }
    }

    record Block(IpBlock ipBlock) implements Peer {
    }
}
