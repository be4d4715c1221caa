/**
 * The datastore seam: {@link dev.viaduct.store.Datastore} (get/put/delete, compare-and-swap transactions on
 * mod_revision, leases with keep-alive, prefix watches that resume from a revision and re-list after
 * compaction), the key layout ({@link dev.viaduct.store.Keys}), JSON values
 * ({@link dev.viaduct.store.JsonCodec}), connection options ({@link dev.viaduct.store.StoreOptions}) and
 * the one error type ({@link dev.viaduct.store.StoreException}, whose {@code tryAgain()} tells transient
 * failures apart), whether the store answers ({@link dev.viaduct.store.Reachability}) and a per-call
 * deadline shorter than the request timeout ({@link dev.viaduct.store.RequestTimeout}). Implementations live in {@code .etcd} (production) and {@code .memory} (unit tests).
 */
package dev.viaduct.store;
