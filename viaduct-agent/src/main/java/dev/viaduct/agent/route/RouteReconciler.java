package dev.viaduct.agent.route;

import dev.viaduct.agent.reconcile.ReconcileLoop;
import dev.viaduct.sys.log.Log;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keeps the kernel's Viaduct-owned routes equal to the union of what the route sources want.
 *
 * <p>Model (STYLE.md §5): {@link #setDesired} only changes memory and wakes the loop; the loop diffs desired
 * routes against a cached view of the kernel and applies adds, replaces and deletes in one batch. The cache
 * comes from a full dump at start, on the periodic resync, after lost events (ENOBUFS) and when links change
 * (the kernel flushes a vanished device's routes without telling anyone); in between it follows our own
 * changes and the kernel's route events, so someone deleting one of our routes gets it back at once.
 *
 * <p>Nothing is applied until every required source has delivered its initial state ({@link #requireSource},
 * {@link #markSynced}): after an agent restart the first apply must find the kernel already right, so no
 * route is deleted and re-added.
 *
 * <p>Routes are never taken from others: an ADD that hits a foreign route with the same destination is
 * reported as a conflict, not replaced.
 *
 * <p>Concurrency: all state is guarded by one lock; a {@link ReconcileLoop} on a platform thread (it blocks in
 * netlink calls) runs the passes. Sources call {@link #setDesired} from any thread.
 */
public final class RouteReconciler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.routes");

    private final RouteTable kernel;
    private final ReentrantLock lock = new ReentrantLock();
    private final ReconcileLoop<PassInput> loop;
    /** Signalled after every pass, for {@link #awaitProgrammed}. */
    private final java.util.concurrent.locks.Condition passed = lock.newCondition();
    private final Map<String, Map<Route.Key, Route>> desiredBySource = new TreeMap<>();
    private final Set<String> required = new HashSet<>();
    private final Set<String> synced = new HashSet<>();
    private Map<Route.Key, Route> kernelView = new HashMap<>();
    private AutoCloseable subscription;
    private Map<Route.Key, String> problems = new TreeMap<>();
    private boolean firstApplyDone;

    /** Counters exposed as metrics (monotonic). */
    public final AtomicLong applied = new AtomicLong();
    public final AtomicLong drifted = new AtomicLong();
    public final AtomicLong errors = new AtomicLong();
    public final AtomicLong passes = new AtomicLong();
    public final AtomicLong lastPassNanos = new AtomicLong();
    private volatile PassListener passListener = (full, changes, nanos) -> {
    };

    /** Told after every pass (metrics): whether it dumped the kernel, how many changes it sent, how long it took. */
    @FunctionalInterface
    public interface PassListener {
        void passed(boolean full, int changes, long nanos);
    }

    /** Sets the one pass listener (called on the loop thread; must not block). */
    public void onPass(PassListener listener) {
        this.passListener = listener;
    }

    public RouteReconciler(RouteTable kernel, java.time.Duration resyncInterval) {
        this.kernel = kernel;
        this.loop = new ReconcileLoop<>(lock, new ReconcileLoop.Settings("route-reconciler", true, resyncInterval, java.time.Duration.ofMillis(500)),
                () -> synced.containsAll(required), full -> new PassInput(full, union()), in -> {
                    try {
                        pass(in.full(), in.want());
                        return true;
                    } catch (RouteTable.RouteTableException | RuntimeException e) {
                        errors.incrementAndGet();
                        Log.error(LOG, "route reconcile pass failed", e);
                        return false;
                    }
                });
    }

    /** What one pass works from: whether to dump the kernel first, and the union of the sources, copied under the lock. */
    private record PassInput(boolean full, Map<Route.Key, Route> want) {
    }

    /** Starts the event subscription and the loop thread. */
    public void start() throws RouteTable.RouteTableException {
        subscription = kernel.subscribe(this::onEvent);
        loop.resync(); // the first pass dumps the kernel, once every required source has synced
        loop.start();
    }

    /** Declares a source whose initial state must arrive before anything is applied. */
    public void requireSource(String source) {
        lock.lock();
        try {
            required.add(source);
        } finally {
            lock.unlock();
        }
    }

    /** A source's first {@link #setDesired} was complete. */
    public void markSynced(String source) {
        lock.lock();
        try {
            synced.add(source);
            loop.kick();
        } finally {
            lock.unlock();
        }
    }

    /** Replaces everything {@code source} wants. Memory only; the loop applies it. */
    public void setDesired(String source, Collection<Route> routes) {
        Map<Route.Key, Route> m = new LinkedHashMap<>();
        for (Route r : routes) {
            m.put(r.key(), r);
        }
        lock.lock();
        try {
            desiredBySource.put(source, m);
            loop.kick();
        } finally {
            lock.unlock();
        }
    }

    /** The union of all sources; on a key wanted by two sources the first source by name wins. */
    public Map<Route.Key, Route> desired() {
        lock.lock();
        try {
            return union();
        } finally {
            lock.unlock();
        }
    }

    /** Which source wants each desired route (the first by name when several want one key, as in {@link #desired}). */
    public Map<Route.Key, String> desiredSources() {
        lock.lock();
        try {
            Map<Route.Key, String> out = new HashMap<>();
            for (var e : desiredBySource.entrySet()) {
                for (Route.Key k : e.getValue().keySet()) {
                    out.putIfAbsent(k, e.getKey());
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** What the kernel holds as far as the reconciler knows (our protocol only). */
    public Map<Route.Key, Route> programmed() {
        lock.lock();
        try {
            return Map.copyOf(kernelView);
        } finally {
            lock.unlock();
        }
    }

    /** Routes that could not be programmed, with why (conflicts, missing devices, kernel errors). */
    public Map<Route.Key, String> problems() {
        lock.lock();
        try {
            return Map.copyOf(problems);
        } finally {
            lock.unlock();
        }
    }

    /** True once all required sources synced and one pass has been applied. */
    public boolean ready() {
        lock.lock();
        try {
            return firstApplyDone;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every one of {@code routes} is in the kernel as wanted (the CNI ADD of a pod returns only once
     * its host route exists: the reconciler is that route's one writer). Asks for one pass; later ones come from
     * link events (a device appearing) and the retry timer, so a wait never spins.
     *
     * @return false when the deadline passed first; {@link #problems} then says why
     */
    public boolean awaitProgrammed(Collection<Route> routes, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean kicked = false;
        lock.lock();
        try {
            while (!routes.stream().allMatch(r -> kernelView.containsKey(r.key()) && r.sameAs(kernelView.get(r.key())))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                if (!kicked) {
                    // one pass that starts now; after it, link events and the retry timer bring more
                    loop.kick();
                    kicked = true;
                }
                passed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** What keeps {@code route} from the kernel, if anything is known to. */
    public java.util.Optional<String> problem(Route route) {
        lock.lock();
        try {
            return java.util.Optional.ofNullable(problems.get(route.key()));
        } finally {
            lock.unlock();
        }
    }

    /** Forces a full dump and diff on the next pass (tests, `ctl`). */
    public void resyncNow() {
        loop.resync();
    }

    private Map<Route.Key, Route> union() {
        Map<Route.Key, Route> all = new HashMap<>();
        for (var m : desiredBySource.values()) {
            for (var e : m.entrySet()) {
                all.putIfAbsent(e.getKey(), e.getValue());
            }
        }
        return all;
    }

    private void onEvent(RouteTable.Event ev) {
        lock.lock();
        try {
            switch (ev) {
                case RouteTable.Event.Deleted d -> {
                    Route known = kernelView.get(d.route().key());
                    if (known != null) {
                        // We did not delete it (our own deletes leave the view first): someone else did.
                        kernelView.remove(d.route().key());
                        if (union().containsKey(d.route().key())) {
                            drifted.incrementAndGet();
                            Log.warn(LOG, "route drift: deleted behind the agent's back, restoring", "route", d.route());
                        }
                        loop.kick();
                    }
                }
                case RouteTable.Event.Added a -> {
                    Route known = kernelView.get(a.route().key());
                    if (known == null || !known.sameAs(a.route())) {
                        kernelView.put(a.route().key(), a.route());
                        Route want = union().get(a.route().key());
                        if (want == null || !want.sameAs(a.route())) {
                            drifted.incrementAndGet();
                            loop.kick();
                        }
                    }
                }
                case RouteTable.Event.LinksChanged l -> {
                    loop.resync();
                }
                case RouteTable.Event.LinkAppeared u -> {
                    // a route may wait for this device; no dump: nothing was flushed, and a pass that finds
                    // nothing to change costs no system call (a burst of pod ADDs brings one of these per veth)
                    loop.kick();
                }
                case RouteTable.Event.ForeignRouteRemoved f -> {
                    // only interesting while a foreign route blocks one of ours (a conflict): retry it now
                    if (problems.values().stream().anyMatch(v -> v.startsWith("conflict"))) {
                        loop.kick();
                    }
                }
                case RouteTable.Event.Overrun o -> {
                    LOG.log(System.Logger.Level.WARNING, "route events overrun (ENOBUFS): full resync");
                    loop.resync();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** One diff-and-apply. Runs on the loop thread only. */
    private void pass(boolean full, Map<Route.Key, Route> want) throws RouteTable.RouteTableException {
        long t0 = System.nanoTime();
        if (full) {
            Map<Route.Key, Route> dumped = new HashMap<>();
            for (Route r : kernel.dumpOwned()) {
                dumped.put(r.key(), r);
            }
            lock.lock();
            try {
                for (var e : kernelView.entrySet()) {
                    Route now = dumped.get(e.getKey());
                    if (now == null || !now.sameAs(e.getValue())) {
                        drifted.incrementAndGet();
                    }
                }
                kernelView = dumped;
            } finally {
                lock.unlock();
            }
        }
        List<RouteTable.Change> changes = new ArrayList<>();
        Map<Route.Key, Route> view;
        lock.lock();
        try {
            view = new HashMap<>(kernelView);
        } finally {
            lock.unlock();
        }
        // Deletes first: a stale route may block nothing today, but a freed key may be reused by an add.
        for (var e : view.entrySet()) {
            if (!want.containsKey(e.getKey())) {
                changes.add(new RouteTable.Change(RouteTable.Op.DELETE, e.getValue()));
            }
        }
        for (var e : want.entrySet()) {
            Route have = view.get(e.getKey());
            if (have == null) {
                changes.add(new RouteTable.Change(RouteTable.Op.ADD, e.getValue()));
            } else if (!have.sameAs(e.getValue())) {
                changes.add(new RouteTable.Change(RouteTable.Op.REPLACE, e.getValue()));
            }
        }
        Map<Route.Key, String> newProblems = new TreeMap<>();
        if (!changes.isEmpty()) {
            // Our own deletes leave the view before they are sent, so their events are not mistaken for drift.
            lock.lock();
            try {
                for (var c : changes) {
                    if (c.op() == RouteTable.Op.DELETE) {
                        kernelView.remove(c.route().key());
                    }
                }
            } finally {
                lock.unlock();
            }
            List<RouteTable.Outcome> outcomes = kernel.apply(changes);
            lock.lock();
            try {
                for (int i = 0; i < changes.size(); i++) {
                    var c = changes.get(i);
                    var o = outcomes.get(i);
                    switch (o) {
                        case RouteTable.Outcome.Done d -> {
                            applied.incrementAndGet();
                            if (c.op() != RouteTable.Op.DELETE) {
                                kernelView.put(c.route().key(), c.route());
                            }
                        }
                        case RouteTable.Outcome.AlreadyGone g -> {
                        }
                        case RouteTable.Outcome.DeviceMissing m ->
                            // a pod's veth not created yet, or an uplink gone: retried on link events/resync
                            newProblems.put(c.route().key(), "device " + m.device() + " does not exist");
                        case RouteTable.Outcome.Conflict x -> {
                            newProblems.put(c.route().key(), "conflict: " + x.message());
                            errors.incrementAndGet();
                        }
                        case RouteTable.Outcome.Failed f -> {
                            newProblems.put(c.route().key(), f.message());
                            errors.incrementAndGet();
                            Log.warn(LOG, "route change failed", "op", c.op(), "route", c.route(), "error", f.message());
                        }
                    }
                }
            } finally {
                lock.unlock();
            }
        }
        lock.lock();
        try {
            if (!newProblems.keySet().equals(problems.keySet())) {
                for (var e : newProblems.entrySet()) {
                    if (!problems.containsKey(e.getKey())) {
                        // a pod's host veth appearing a moment after its route is wanted is normal: debug only
                        Log.at(LOG, e.getValue().startsWith("device vdc") ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
                                "route not programmed", "destination", e.getKey(), "reason", e.getValue());
                    }
                }
            }
            problems = newProblems;
            firstApplyDone = true;
            passed.signalAll();
        } finally {
            lock.unlock();
        }
        passes.incrementAndGet();
        lastPassNanos.set(System.nanoTime() - t0);
        passListener.passed(full, changes.size(), System.nanoTime() - t0);
        if (!changes.isEmpty()) {
            Log.debug(LOG, "route pass", "full", full, "changes", changes.size(), "ms", (System.nanoTime() - t0) / 1e6);
        }
    }

    /** Since when this controller's loop has owed progress ({@link ReconcileLoop#stalledSince}); for liveness. */
    public java.util.OptionalLong stalledSince() {
        return loop.stalledSince();
    }

    @Override
    public void close() {
        loop.close();
        if (subscription != null) {
            try {
                subscription.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing route events: {0}", e.toString());
            }
        }
    }
}
