package dev.viaduct.store;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A {@link Datastore} that reports every request it forwards: which operation, how long it took, and how it
 * failed. The agent wraps its etcd client in one so {@code /metrics} shows etcd latency and errors as the agent
 * experienced them (including client-side timeouts, which etcd's own metrics never see).
 *
 * <p>Operations are named after etcd's API ({@code get}, {@code list}, {@code put}, {@code delete},
 * {@code delete_prefix}, {@code txn}, {@code revision}, {@code lease_grant}, {@code lease_revoke},
 * {@code lease_ttl}, {@code lease_keepalive}, {@code watch}). The default methods of {@link Datastore}
 * ({@code create}, {@code compareAndSwap}, {@code listAndWatch}) are not overridden, so they are counted as
 * the {@code txn}, {@code list} and {@code watch} requests they are made of. Keep-alives and watches are
 * counted when they are started; their later traffic runs on the client's own threads and is not a request
 * the agent waits for; a lease the store reports lost is reported on its own ({@link Observer#leaseLost}).
 *
 * <p>Concurrency: stateless apart from the delegate and the observer, both thread-safe.
 */
public final class MeteredDatastore implements Datastore {
    /** Hears about each finished request. */
    public interface Observer {
        /**
         * @param op    the operation (see the class comment)
         * @param nanos how long the caller waited
         * @param error null on success, else the failure's {@link StoreException.Reason} in lower case
         *              ({@code unavailable}, {@code auth}, ...; {@code internal} for any other exception)
         */
        void finished(String op, long nanos, String error);

        /** The store reported a kept-alive lease gone (it expired while the store was unreachable, or was revoked). */
        void leaseLost();
    }

    private final Datastore delegate;
    private final Observer observer;

    public MeteredDatastore(Datastore delegate, Observer observer) {
        this.delegate = delegate;
        this.observer = observer;
    }

    private <T> T timed(String op, Supplier<T> call) {
        long t0 = System.nanoTime();
        try {
            T v = call.get();
            observer.finished(op, System.nanoTime() - t0, null);
            return v;
        } catch (StoreException e) {
            observer.finished(op, System.nanoTime() - t0, e.reason().name().toLowerCase(Locale.ROOT));
            throw e;
        } catch (RuntimeException e) {
            observer.finished(op, System.nanoTime() - t0, "internal");
            throw e;
        }
    }

    private void timedRun(String op, Runnable call) {
        timed(op, () -> {
            call.run();
            return null;
        });
    }

    @Override
    public Optional<KeyValue> get(String key) {
        return timed("get", () -> delegate.get(key));
    }

    @Override
    public Listing list(String prefix) {
        return timed("list", () -> delegate.list(prefix));
    }

    @Override
    public long put(String key, byte[] value) {
        return timed("put", () -> delegate.put(key, value));
    }

    @Override
    public long put(String key, byte[] value, Lease lease) {
        return timed("put", () -> delegate.put(key, value, lease));
    }

    @Override
    public boolean delete(String key) {
        return timed("delete", () -> delegate.delete(key));
    }

    @Override
    public long deletePrefix(String prefix) {
        return timed("delete_prefix", () -> delegate.deletePrefix(prefix));
    }

    @Override
    public TxnResult txn(Txn txn) {
        return timed("txn", () -> delegate.txn(txn));
    }

    @Override
    public long currentRevision() {
        return timed("revision", delegate::currentRevision);
    }

    @Override
    public Lease grantLease(Duration ttl) {
        return timed("lease_grant", () -> delegate.grantLease(ttl));
    }

    @Override
    public KeepAlive keepAlive(Lease lease, KeepAlive.Listener listener) {
        KeepAlive.Listener counting = (l, reason) -> {
            observer.leaseLost();
            listener.leaseLost(l, reason);
        };
        return timed("lease_keepalive", () -> delegate.keepAlive(lease, counting));
    }

    @Override
    public void revokeLease(Lease lease) {
        timedRun("lease_revoke", () -> delegate.revokeLease(lease));
    }

    @Override
    public Optional<Duration> timeToLive(Lease lease) {
        return timed("lease_ttl", () -> delegate.timeToLive(lease));
    }

    @Override
    public Optional<Reachability.Down> unreachable(Duration wait) {
        return delegate.unreachable(wait);
    }

    @Override
    public java.util.OptionalLong watchesStalledSince() {
        return delegate.watchesStalledSince();
    }

    @Override
    public Watch watch(String prefix, long fromRevision, Watch.Listener listener) {
        return timed("watch", () -> delegate.watch(prefix, fromRevision, listener));
    }

    @Override
    public void close() {
        delegate.close();
    }
}
