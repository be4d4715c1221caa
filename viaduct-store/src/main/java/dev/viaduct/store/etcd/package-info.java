/**
 * The etcd v3 implementations of the datastore. {@link dev.viaduct.store.etcd.EtcdDatastore} (jetcd, gRPC) is the
 * one long-running processes use: requests block their caller with a deadline; watches and keep-alives each run
 * on a virtual thread; jetcd types never leave this package. {@link dev.viaduct.store.etcd.EtcdGatewayDatastore}
 * speaks etcd's JSON gateway over plain HTTP for one-shot commands ({@code viaduct ctl}), which cannot afford
 * gRPC's start-up; it has the same semantics for keys, transactions and leases, and no watches.
 */
package dev.viaduct.store.etcd;
