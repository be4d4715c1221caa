/**
 * natOutgoing: pods of a pool with {@code natOutgoing} that talk to destinations outside every pool are
 * masqueraded to the address of the interface they leave by (Calico's rule). The rules live in Viaduct's own
 * nftables tables ({@code ip viaduct-nat}, {@code ip6 viaduct-nat}): {@link dev.viaduct.agent.nat.NatRules}
 * renders and reads them (pure), {@link dev.viaduct.agent.nat.NftCommand} runs {@code nft}, and
 * {@link dev.viaduct.agent.nat.NatOutgoing} reconciles the tables with the pools (rewrite atomically when
 * different, delete when no pool wants NAT).
 */
package dev.viaduct.agent.nat;
