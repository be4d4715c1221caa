/**
 * The policy compiler: (policies, pods, namespaces, this node) → the node's {@link dev.viaduct.policy.nft.Ruleset}.
 * {@link dev.viaduct.policy.compile.NodeCompiler} keeps one node's table up to date one object at a time and
 * says what each batch of changes touched ({@link dev.viaduct.policy.nft.RulesetDelta}); {@link
 * dev.viaduct.policy.compile.PolicyCompiler#compile} is the same for a whole cluster at once. Pure and
 * deterministic: equal inputs give equal rulesets, byte for byte once rendered, whatever order they came in.
 */
package dev.viaduct.policy.compile;
