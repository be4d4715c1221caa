/**
 * The policy compiler: (policies, pods, namespaces, this node) → the node's {@link dev.viaduct.policy.nft.Ruleset}.
 * Pure and deterministic: equal inputs give equal rulesets, byte for byte once rendered.
 */
package dev.viaduct.policy.compile;
