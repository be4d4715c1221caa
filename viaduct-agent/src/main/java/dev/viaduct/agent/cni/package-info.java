/**
 * The agent's CNI endpoint. The C shim ({@code viaduct-cni}) forwards each exec'd plugin call over a unix
 * socket; {@link dev.viaduct.agent.cni.CniEndpoint} accepts it, {@link dev.viaduct.cni.spec.CniRequestParser} (viaduct-cni)
 * validates environment and network configuration per the CNI spec (1.1.0, also 1.0.0 and 0.4.0), and
 * {@link dev.viaduct.agent.cni.CniHandler} runs ADD/DEL/CHECK/STATUS/GC against IPAM and the pod dataplane.
 * Every failure leaves the CNI error object with the spec's well-known code and nothing half-created.
 */
package dev.viaduct.agent.cni;

