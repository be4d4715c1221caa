/**
 * The CNI plugin's transport. Runtimes exec {@code viaduct-cni} (C, {@code src/main/c}) once per pod; it
 * forwards the CNI environment and the network configuration to the node agent's unix socket and prints the
 * reply. {@link dev.viaduct.cni.ShimProtocol} is the Java side of that framing, used by the agent's CNI
 * endpoint. No CNI semantics live here: parsing and every decision is the agent's.
 */
package dev.viaduct.cni;
