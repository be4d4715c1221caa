/**
 * NetworkPolicy v1 as the Kubernetes API defines it ({@code networking.k8s.io/v1}: NetworkPolicySpec,
 * NetworkPolicyIngressRule, NetworkPolicyEgressRule, NetworkPolicyPeer, IPBlock, NetworkPolicyPort, and
 * meta/v1 LabelSelector), plus the endpoints policies are evaluated against: pods and namespaces as the store
 * records them, and nodes.
 *
 * <p>Records hold valid values only: {@link dev.viaduct.policy.api.NetworkPolicyReader} validates input the
 * way the API server does before it builds them. Where the API makes "absent" and "empty" mean the same
 * thing (rule lists, {@code from}/{@code to}, {@code ports}, {@code policyTypes}) the model holds an empty
 * list; where they differ (a peer's two selectors) the selector is nullable.
 */
package dev.viaduct.policy.model;
