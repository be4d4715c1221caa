/**
 * One node's policy state as its agent keeps it: {@link dev.viaduct.policy.node.PolicyInputs} holds the
 * store's policy, pod and namespace records and IPAM's pod endpoints, joins them into pods and feeds each
 * change to a {@link dev.viaduct.policy.compile.NodeCompiler}, whose table and deltas the agent applies. Pure:
 * the agent's watches bring the records in, nothing here reads or writes anything.
 */
package dev.viaduct.policy.node;
