package dev.viaduct.store.etcd;

import dev.viaduct.store.KeepAlive;
import dev.viaduct.store.Lease;
import dev.viaduct.store.StoreException;
import java.lang.System.Logger.Level;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * Keeps one lease alive with a keep-alive request every third of its TTL (what etcd's own clients do), on
 * one virtual thread. While etcd is unreachable it keeps trying; it reports the lease lost only when etcd
 * says so (TTL ≤ 0 or "lease not found"), because only etcd knows whether the lease expired. The request itself
 * is the store's ({@link EtcdDatastore} over gRPC, {@link EtcdGatewayDatastore} over the JSON gateway).
 */
final class EtcdKeepAlive implements KeepAlive {
    private static final System.Logger LOG = System.getLogger(EtcdKeepAlive.class.getName());

    private final ToLongFunction<Lease> keepAliveOnce;
    private final Consumer<AutoCloseable> forget;
    private final Lease lease;
    private final Listener listener;
    private volatile boolean alive = true;
    private Thread thread;

    /**
     * {@code keepAliveOnce} sends one keep-alive and returns the remaining TTL in seconds (≤ 0: the lease is gone);
     * {@code forget} tells the store this keep-alive ended.
     */
    EtcdKeepAlive(Lease lease, Listener listener, ToLongFunction<Lease> keepAliveOnce, Consumer<AutoCloseable> forget) {
        this.keepAliveOnce = keepAliveOnce;
        this.forget = forget;
        this.lease = lease;
        this.listener = listener;
    }

    void start() {
        thread = Thread.ofVirtual().name("etcd-keepalive " + Long.toHexString(lease.id())).start(this::run);
    }

    private void run() {
        long periodMs = Math.max(200, lease.ttl().toMillis() / 3);
        while (alive) {
            long pause = periodMs;
            try {
                long ttl = keepAliveOnce.applyAsLong(lease);
                if (ttl <= 0) {
                    lost("etcd reports the lease expired or revoked");
                    return;
                }
            } catch (StoreException e) {
                if (!alive || e.reason() == StoreException.Reason.CLOSED) {
                    return;
                }
                LOG.log(Level.WARNING, "lease keep-alive failed lease={0} error={1}", Long.toHexString(lease.id()), e.getMessage());
                pause = Math.min(periodMs, 500);
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void lost(String reason) {
        alive = false;
        forget.accept(this);
        LOG.log(Level.WARNING, "lease lost lease={0} reason={1}", Long.toHexString(lease.id()), reason);
        try {
            listener.leaseLost(lease, reason);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "lease-lost listener failed: {0}", e.toString());
        }
    }

    @Override
    public Lease lease() {
        return lease;
    }

    @Override
    public boolean alive() {
        return alive;
    }

    @Override
    public void close() {
        alive = false;
        forget.accept(this);
        if (thread != null && thread != Thread.currentThread()) {
            thread.interrupt();
        }
    }
}
