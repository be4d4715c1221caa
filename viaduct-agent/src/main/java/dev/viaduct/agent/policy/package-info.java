/**
 * NetworkPolicy enforcement on this node: {@link dev.viaduct.agent.policy.PolicyFeed} watches the policy,
 * pod and namespace records and IPAM's handles into {@code viaduct-policy}'s {@code PolicyInputs} (the join
 * of pods to their addresses and host veths, compiled incrementally), and
 * {@link dev.viaduct.agent.policy.PolicyEnforcer} keeps table {@code inet viaduct-policy} equal to the result,
 * one nft transaction per change (the compiler's delta), drift repaired on resync, the table left in place
 * when the agent stops (fail closed).
 */
package dev.viaduct.agent.policy;
