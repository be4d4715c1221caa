/**
 * Calico-style block IPAM on the datastore. {@link dev.viaduct.ipam.Ipam} is the entry point: pools
 * ({@link dev.viaduct.ipam.Pool}) are cut into blocks ({@link dev.viaduct.ipam.Block}) with node affinity;
 * assign (automatic or static) and release work on handles ({@link dev.viaduct.ipam.Handle}), one per pod
 * attachment; {@code gc} frees leaked addresses after a grace period, {@code reclaim} gives back the
 * handles and blocks of gone nodes (run in one place at a time by a {@link dev.viaduct.ipam.Reclaimer}
 * holding a lease-based lock) and {@code check} reports inconsistencies. Every write is one compare-and-swap
 * transaction over the block(s), the pool and the handle, so an address is never handed out twice. Data
 * flow for the agent: CNI ADD → assign → addresses; {@code watchBlocks} → route source (affine blocks to
 * their node, borrowed addresses as host routes). {@code Ipam} is a facade over package-private parts
 * (block cache, group-commit and static assignment, release, reclamation of leaked handles and of gone
 * nodes, consistency check, pool administration, watches); its class comment states the concurrency model
 * they share. A CNI DEL that finds the store unreachable does not wait for it:
 * {@link dev.viaduct.ipam.DeferredReleases} records the release in the node's
 * {@link dev.viaduct.ipam.ReleaseJournal} and carries it out when the store answers. Prefixes and addresses
 * are {@code dev.viaduct.sys.net} values.
 */
package dev.viaduct.ipam;
