/**
 * A typed intermediate representation of the nftables objects Viaduct's policy table uses (one
 * {@code inet} table: named sets, ifname verdict maps, named counters, base and regular chains, rules made of
 * a few match kinds and verdicts), its rendering to one deterministic {@code nft -f} transaction (the whole
 * table, or a {@link dev.viaduct.policy.nft.RulesetDelta} from the ruleset last applied), the reduction of
 * nft's JSON listing of the table to what drift detection compares ({@link dev.viaduct.policy.nft.KernelTable}),
 * and an interpreter that runs a packet through the IR with the kernel's chain semantics (jump/return, verdict map
 * lookups, a base chain's accept ending only that chain, drop ending everything). The interpreter is how the
 * compiler is tested against the reference evaluator without a kernel. Pure.
 */
package dev.viaduct.policy.nft;
