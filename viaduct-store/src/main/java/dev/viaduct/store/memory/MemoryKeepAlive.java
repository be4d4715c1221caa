package dev.viaduct.store.memory;

import dev.viaduct.store.KeepAlive;
import dev.viaduct.store.Lease;

/**
 * A keep-alive on a {@link MemoryDatastore}: while open (and the store is "available") the lease does not
 * expire. Loss is reported on a fresh virtual thread, never under the store's lock.
 */
final class MemoryKeepAlive implements KeepAlive {
    private final MemoryDatastore store;
    private final Lease lease;
    private final Listener listener;
    private volatile boolean alive = true;

    MemoryKeepAlive(MemoryDatastore store, Lease lease, Listener listener) {
        this.store = store;
        this.lease = lease;
        this.listener = listener;
    }

    void lost(String reason) {
        if (!alive) {
            return;
        }
        alive = false;
        Thread.ofVirtual().name("memory-lease-lost").start(() -> listener.leaseLost(lease, reason));
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
        if (alive) {
            alive = false;
            store.stopKeepAlive(this);
        }
    }
}
