/**
 * NetworkPolicy enforcement on this node: {@link dev.viaduct.agent.policy.PolicyFeed} watches the policy,
 * pod and namespace records and IPAM's handles into {@link dev.viaduct.agent.policy.PolicyInputs} (the join
 * of pods to their addresses and host veths), and {@link dev.viaduct.agent.policy.PolicyEnforcer} compiles
 * them ({@code viaduct-policy}) and keeps table {@code inet viaduct-policy} equal to the result, one nft
 * transaction per change, drift repaired on resync, the table left in place when the agent stops (fail closed).
 */
package dev.viaduct.agent.policy;
