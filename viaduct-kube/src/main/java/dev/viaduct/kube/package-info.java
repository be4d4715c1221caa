/**
 * {@code viaduct kube-controllers}, the only code that talks to the Kubernetes API. {@link dev.viaduct.kube.KubeControllers}
 * campaigns for a {@code coordination.k8s.io/v1} Lease; the leader runs a {@code StoreMirror}: four fabric8 informers
 * (Nodes, Namespaces, Pods, NetworkPolicies) signal which object changed, or that a list completed, and one thread
 * turns the informers' caches into store records ({@code Records}: the agents' own encoders), deciding with pure
 * functions ({@code MirrorPlan} for records and deleted Nodes, {@code PodGc} for leaked pod addresses) and writing
 * with compare-and-swap transactions. Data flow: API → informer cache → signal → mirror thread → etcd → agents.
 */
package dev.viaduct.kube;
