package dev.viaduct.store;

/**
 * A running keep-alive for a lease (refreshing it every third of its TTL). Closing stops refreshing but
 * does not revoke the lease; the listener hears when the store reports the lease gone.
 */
public interface KeepAlive extends AutoCloseable {
    /** The lease kept alive. */
    Lease lease();

    /** False once the lease was reported lost or this keep-alive was closed. */
    boolean alive();

    /** Stops refreshing. Idempotent. */
    @Override
    void close();

    /** Hears about a lost lease: the holder must re-create what it attached to the lease. */
    @FunctionalInterface
    interface Listener {
        /**
         * Called once, on a keep-alive thread, when the store says the lease no longer exists (expired while
         * the store was unreachable, or revoked).
         */
        void leaseLost(Lease lease, String reason);
    }
}
