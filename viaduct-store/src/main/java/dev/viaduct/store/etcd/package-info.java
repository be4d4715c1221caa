/**
 * The etcd v3 implementation of the datastore, on jetcd. Only
 * {@link dev.viaduct.store.etcd.EtcdDatastore#connect} is public; jetcd types never leave this package.
 * Requests block their caller with a deadline; watches and keep-alives each run on a virtual thread.
 */
package dev.viaduct.store.etcd;
