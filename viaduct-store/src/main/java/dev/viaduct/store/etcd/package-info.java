/**
 * The etcd v3 implementations of the datastore. {@link dev.viaduct.store.etcd.EtcdGatewayDatastore} speaks etcd's JSON
 * gateway with the JDK's HTTP client: what the long-running processes (through {@link dev.viaduct.store.etcd.EtcdStores})
 * and one-shot commands ({@code viaduct ctl}) use, because gRPC, Netty and protobuf cost tens of MiB of class metadata
 * in every agent and most of a command's start. Its watches ({@code GatewayWatch}) each read a stream on a virtual
 * thread; keep-alives ({@code EtcdKeepAlive}) are a virtual thread each; TLS comes from PEM files ({@code PemTls}).
 * {@link dev.viaduct.store.etcd.EtcdDatastore} (jetcd, gRPC) has the same semantics and remains for what the gateway
 * cannot do: etcd refuses gateway requests from a client certificate with a CommonName while authentication is on.
 * Requests block their caller with a deadline; jetcd types never leave this package.
 */
package dev.viaduct.store.etcd;
