/**
 * An in-memory datastore with etcd's semantics (revisions, compare-and-swap, leases on a clock, watches with
 * history and compaction) and fault injection, for unit tests of the store's users (IPAM, the agent). Not
 * for production: nothing is persisted or shared between processes.
 */
package dev.viaduct.store.memory;
