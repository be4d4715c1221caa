package dev.viaduct.ipam;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.Reachability;
import dev.viaduct.store.RequestTimeout;
import dev.viaduct.sys.log.DeferredLogger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Release by handle that never waits for an unreachable store: a pod's DEL must succeed while etcd is away
 * (the runtime retries a failed DEL for as long as it fails, and the pod hangs in Terminating), so a release
 * the store cannot take now is written to the node's {@link ReleaseJournal} and carried out once the store
 * answers again. Carrying out is {@link Ipam#releaseByHandle}, which compares the handle's record and every
 * block it touches, so an address that meanwhile belongs to another handle is never freed; the entry is
 * forgotten only after the release succeeded, and a release repeated after a crash in between finds the
 * handle gone and frees nothing — exactly once in effect. A handle assigned again (a runtime re-adding the
 * same container) first has its owed release carried out ({@link #settle}), so the old debt never frees
 * the new address.
 *
 * <p>Concurrency: one virtual thread retries owed releases every {@code retryInterval} while there are any;
 * callers are CNI handler threads. One lock serialises carrying out an entry (worker) with settling it
 * (an ADD), so a handle is never released after it was assigned again; recording needs no lock (the CNI
 * handler serialises the DEL and ADD of one handle).
 */
public final class DeferredReleases implements AutoCloseable {
    private static final System.Logger LOG = DeferredLogger.of(DeferredReleases.class);

    /** What became of a release. */
    public sealed interface Outcome {
        /** Done now: these addresses were freed (empty when the handle held none). */
        record Released(List<InetAddress> addresses) implements Outcome {
        }

        /** Owed: recorded in the journal, to be carried out when the store answers. */
        record Deferred(String reason) implements Outcome {
        }
    }

    private final Ipam ipam;
    private final Datastore store;
    private final ReleaseJournal journal;
    private final Duration retryInterval;
    private final InstantSource clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final LongAdder deferred = new LongAdder();
    private final LongAdder carriedOut = new LongAdder();
    private volatile boolean running = true;
    private Thread worker;

    public DeferredReleases(Ipam ipam, Datastore store, ReleaseJournal journal, Duration retryInterval, InstantSource clock) {
        this.ipam = ipam;
        this.store = store;
        this.journal = journal;
        this.retryInterval = retryInterval;
        this.clock = clock;
    }

    /** Starts the worker, which first carries out what an earlier agent left in the journal. */
    public DeferredReleases start() {
        worker = Thread.ofVirtual().name("deferred-releases").start(this::run);
        return this;
    }

    /**
     * Releases {@code handle} now, each of its store requests waiting at most {@code timeout}; if the store is known
     * unreachable, or does not answer in time, records the release instead.
     *
     * @throws IpamException for failures that are not the store's absence (an invalid handle name)
     * @throws UncheckedIOException when the journal cannot be written (the release is then neither done nor owed)
     */
    public Outcome release(String handle, Duration timeout) {
        Optional<Reachability.Down> down = store.unreachable(Duration.ZERO);
        if (down.isEmpty()) {
            try {
                return new Outcome.Released(RequestTimeout.within(timeout, () -> ipam.releaseByHandle(handle)));
            } catch (IpamException e) {
                if (!e.tryAgain()) {
                    throw e;
                }
                return defer(handle, e.getMessage());
            }
        }
        return defer(handle, "datastore unreachable since " + down.get().since() + ": " + down.get().reason());
    }

    private Outcome defer(String handle, String reason) {
        try {
            journal.record(handle, clock.instant());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the pending release of " + handle + " in " + journal.dir(), e);
        }
        deferred.increment();
        LOG.log(Level.WARNING, "release deferred until the datastore answers handle={0} reason={1}", handle, reason);
        return new Outcome.Deferred(reason);
    }

    /**
     * Before {@code handle} is assigned again: carries out its owed release, if any.
     *
     * @throws IpamException when the store cannot take it now (try again later)
     */
    public void settle(String handle) {
        if (!journal.owes(handle)) {
            return;
        }
        lock.lock();
        try {
            carryOut(handle);
        } finally {
            lock.unlock();
        }
    }

    /** Owed releases, oldest first. */
    public List<ReleaseJournal.Entry> pending() {
        return journal.entries();
    }

    /** Releases recorded for later since start. */
    public long deferredTotal() {
        return deferred.sum();
    }

    /** Owed releases carried out since start. */
    public long carriedOutTotal() {
        return carriedOut.sum();
    }

    /** Handles whose release is owed (their pods are gone, whatever the store still says). */
    public boolean owes(String handle) {
        return journal.owes(handle);
    }

    /** One pass over the journal (the worker's; also for tests): true when nothing is owed any more. */
    public boolean retryNow() {
        for (ReleaseJournal.Entry e : journal.entries()) {
            if (store.unreachable(Duration.ZERO).isPresent()) {
                return false;
            }
            lock.lock();
            try {
                carryOut(e.handle());
            } catch (IpamException ex) {
                LOG.log(Level.WARNING, "owed release not carried out yet handle={0} error={1}", e.handle(), ex.getMessage());
                if (ex.tryAgain()) {
                    return false;
                }
            } finally {
                lock.unlock();
            }
        }
        return journal.size() == 0;
    }

    /** Lock held. */
    private void carryOut(String handle) {
        if (!journal.owes(handle)) {
            return;
        }
        List<InetAddress> freed = ipam.releaseByHandle(handle);
        try {
            journal.forget(handle);
        } catch (IOException e) {
            // released but still recorded: the next pass releases nothing and tries to forget again
            throw new IpamException(IpamException.Reason.UNAVAILABLE, "released " + handle + " but cannot remove its record from "
                    + journal.dir() + ": " + e.getMessage(), e);
        }
        carriedOut.increment();
        LOG.log(Level.INFO, "owed release carried out handle={0} released={1}", handle, freed);
    }

    private void run() {
        while (running) {
            if (journal.size() > 0) {
                try {
                    retryNow();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "owed releases: pass failed: {0}", e.toString());
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(retryInterval.toNanos());
        }
    }

    @Override
    public void close() {
        running = false;
        if (worker != null) {
            worker.interrupt();
        }
    }
}
