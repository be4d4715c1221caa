/**
 * The reference evaluator: "is this (source, destination, protocol, port) allowed?" computed directly from
 * the NetworkPolicy v1 semantics, with the reason (the allowing policy and rule, or "no rule allows it", and
 * which policies select each side). It is the specification the compiled nftables ruleset is tested against,
 * and what {@code viaduct ctl explain} prints. Pure.
 */
package dev.viaduct.policy.eval;
