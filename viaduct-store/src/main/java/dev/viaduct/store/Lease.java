package dev.viaduct.store;

import java.time.Duration;

/**
 * A lease granted by the store: keys attached to it are deleted when it expires or is revoked. Leases
 * expire {@code ttl} after their last keep-alive (etcd rounds the TTL up to whole seconds).
 */
public record Lease(long id, Duration ttl) {
    public Lease {
        if (id == 0) {
            throw new IllegalArgumentException("lease id 0 means 'no lease'");
        }
    }
}
