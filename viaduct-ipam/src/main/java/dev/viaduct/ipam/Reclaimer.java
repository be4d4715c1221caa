package dev.viaduct.ipam;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.KeepAlive;
import dev.viaduct.store.Keys;
import dev.viaduct.store.Lease;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import dev.viaduct.store.Watch;
import dev.viaduct.store.WatchEvent;
import dev.viaduct.sys.log.DeferredLogger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs {@link Ipam#reclaim} every {@code interval} in one place at a time: whoever holds the lock key
 * ({@link Keys#reclaimerLock}) runs the passes. The lock is taken with a transaction "create if absent",
 * the key attached to a lease of the taker's own that it keeps alive; when the holder stops or dies, its
 * lease ends, the key goes with it and another candidate takes it at its next attempt (within one interval
 * of the lease's end). Every write of a pass also compares the lock key's revision, so a holder that lost
 * its lease without noticing yet cannot write.
 *
 * <p>While holding the lock it watches node records: a record written means the node is back, and its
 * absence mark goes (a node that leaves again starts a new grace period). On taking the lock it deletes all
 * absence marks, having watched nothing before.
 *
 * <p>Concurrency: one virtual thread runs the loop (attempt, pass, wait); {@link #close} stops it and revokes
 * the lease. The lease listener and the node watch run on the store's threads and only touch atomics or
 * delete a mark.
 */
public final class Reclaimer implements AutoCloseable {
    private static final System.Logger LOG = DeferredLogger.of(Ipam.class);

    private final Datastore store;
    private final Keys keys;
    private final Ipam ipam;
    private final String holder;
    private final Duration grace;
    private final Duration interval;
    private final Duration lockTtl;
    private final Consumer<ReclaimReport> onPass;
    private final Object wake = new Object();
    private final AtomicLong lockRevision = new AtomicLong();
    private final AtomicLong passes = new AtomicLong();
    private volatile boolean closed;
    private volatile Lease lease;
    private KeepAlive keepAlive;
    private Watch nodeWatch;
    private Thread thread;

    /**
     * @param holder   who holds the lock (the node name), written as the lock's value for operators
     * @param grace    how long a node record must be absent before its node's addresses go
     * @param interval time between passes (and between attempts to take the lock)
     * @param lockTtl  the lock lease's TTL: how long a dead holder keeps the lock
     * @param onPass   hears every pass's report (metrics); called on the loop's thread
     */
    public Reclaimer(Datastore store, Keys keys, Ipam ipam, String holder, Duration grace, Duration interval, Duration lockTtl,
            Consumer<ReclaimReport> onPass) {
        Ipam.validateName("holder", holder);
        this.store = store;
        this.keys = keys;
        this.ipam = ipam;
        this.holder = holder;
        this.grace = grace;
        this.interval = interval;
        this.lockTtl = lockTtl;
        this.onPass = onPass;
    }

    public synchronized Reclaimer start() {
        if (thread == null) {
            thread = Thread.ofVirtual().name("ipam-reclaimer").start(this::loop);
        }
        return this;
    }

    /** True while this instance holds the lock. */
    public boolean holding() {
        return lockRevision.get() != 0;
    }

    /** Passes this instance has run. */
    public long passes() {
        return passes.get();
    }

    /** The lock's lease while holding it. */
    Optional<Lease> lease() {
        return holding() ? Optional.ofNullable(lease) : Optional.empty();
    }

    private void loop() {
        while (!closed) {
            try {
                if (!holding()) {
                    tryLock();
                }
                long rev = lockRevision.get();
                if (rev != 0) {
                    ReclaimReport r = ipam.reclaim(grace, false, Optional.of(new NodeReclamation.Fence(keys.reclaimerLock(), rev)));
                    passes.incrementAndGet();
                    onPass.accept(r);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "reclamation pass failed: {0}; trying again in {1}", e.getMessage(), interval);
            }
            synchronized (wake) {
                if (!closed) {
                    try {
                        wake.wait(interval.toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    private void tryLock() {
        String k = keys.reclaimerLock();
        if (store.get(k).isPresent()) {
            return; // held: one read a minute per agent, not a lease granted and revoked (thousands of agents)
        }
        Lease l = store.grantLease(lockTtl);
        TxnResult r = store.txn(Txn.builder().ifAbsent(k).put(k, holder.getBytes(StandardCharsets.UTF_8), l.id()).build());
        if (!r.succeeded()) {
            store.revokeLease(l);
            return;
        }
        synchronized (this) {
            if (closed) {
                store.revokeLease(l);
                return;
            }
            lease = l;
            keepAlive = store.keepAlive(l, (lost, why) -> {
                if (lost.equals(lease)) {
                    LOG.log(Level.WARNING, "reclaimer lock lost holder={0} reason=\"{1}\"", holder, why);
                    release();
                }
            });
            ipam.forgetNodeAbsences();
            nodeWatch = store.watch(keys.nodes(), r.revision() + 1, e -> {
                switch (e) {
                    case WatchEvent.Put p -> ipam.nodeSeen(keys.nameIn(keys.nodes(), p.kv().key()));
                    case WatchEvent.Resync x -> ipam.forgetNodeAbsences(); // events were missed: start every grace period again
                    case WatchEvent.Delete d -> {
                    }
                }
            });
            lockRevision.set(r.revision());
        }
        LOG.log(Level.INFO, "reclaimer lock taken holder={0} grace={1} interval={2}", holder, grace, interval);
    }

    private synchronized void release() {
        lockRevision.set(0);
        if (nodeWatch != null) {
            nodeWatch.close();
            nodeWatch = null;
        }
        if (keepAlive != null) {
            keepAlive.close();
            keepAlive = null;
        }
    }

    /** Stops the loop and gives the lock up at once (revoking its lease). */
    @Override
    public void close() {
        closed = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Lease l;
        synchronized (this) {
            l = holding() ? lease : null;
            release();
        }
        if (l != null) {
            try {
                store.revokeLease(l);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "reclaimer lock lease not revoked: {0}", e.getMessage());
            }
        }
    }
}
