package dev.viaduct.agent.reconcile;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The one thread that brings a piece of kernel state to what a controller wants. Setters change the
 * controller's memory under its lock and call {@link #kick}; the loop wakes, takes a {@link Snapshot} of the
 * desired state under that same lock and applies it ({@link Pass}) without the lock, so setters never wait
 * for the kernel. Passes coalesce: any number of kicks during a pass make one more pass.
 *
 * <p>Besides kicks, a pass runs every {@code resyncEvery} (the kernel can drift without telling us: devices
 * vanish, someone runs {@code nft flush}), and again after a failed pass, {@code retryAfter} later unless a
 * kick comes first; both ask the snapshot for a resync ({@code true}), so a controller that keeps a cached
 * view of the kernel re-reads it. No pass runs until {@code ready} holds (e.g. the pools are known), so the
 * first one never acts on a half-known desired state.
 *
 * <p>Concurrency: the controller's lock guards its state and this loop's flags ({@link #kick} and
 * {@link #resync} take it, reentrantly, so they may be called with it held or not); the snapshot runs under
 * it, on the loop thread; the pass runs on the loop thread alone, so what only the pass touches needs no lock.
 *
 * @param <S> what a pass applies: a copy of the desired state, taken under the lock
 */
public final class ReconcileLoop<S> implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.reconcile");

    /** Copies the desired state; runs under the controller's lock. */
    @FunctionalInterface
    public interface Snapshot<S> {
        S take(boolean resync);
    }

    /** Applies a snapshot; false (or an exception) means "failed, try again". */
    @FunctionalInterface
    public interface Pass<S> {
        boolean apply(S snapshot);
    }

    /**
     * @param name        the thread's name
     * @param platform    a platform thread (for passes that block in netlink calls, which pin a virtual
     *                    thread's carrier) rather than a virtual one
     * @param resyncEvery how often a pass runs with nothing kicked; {@link Duration#ZERO} for never
     * @param retryAfter  how long after a failed pass the next one runs at the latest
     */
    public record Settings(String name, boolean platform, Duration resyncEvery, Duration retryAfter) {
    }

    private final ReentrantLock lock;
    private final Condition wake;
    private final Settings settings;
    private final BooleanSupplier ready;
    private final Snapshot<S> snapshot;
    private final Pass<S> pass;
    // guarded by lock
    private boolean dirty;
    private boolean resync;
    private boolean closed;
    private Thread thread;
    /** A kick found the loop idle and ready: it owes a pass since {@code owedSince}. */
    private boolean owing;
    private long owedSince;
    private long diedAt;
    private boolean died;
    // written by the loop thread, read by liveness probes
    private volatile boolean inPass;
    private volatile long passStartedAt;

    /**
     * @param lock  the controller's lock, the one its setters hold while they change the desired state
     * @param ready under the lock: whether the desired state is complete enough to apply
     */
    public ReconcileLoop(ReentrantLock lock, Settings settings, BooleanSupplier ready, Snapshot<S> snapshot, Pass<S> pass) {
        this.lock = lock;
        this.wake = lock.newCondition();
        this.settings = settings;
        this.ready = ready;
        this.snapshot = snapshot;
        this.pass = pass;
    }

    /**
     * A loop whose desired state needs no input from elsewhere (it reads the kernel itself, as the uplink
     * monitor does): passes may run from the first kick. Its progress is still watched, through
     * {@link #stalledSince}.
     */
    public ReconcileLoop(ReentrantLock lock, Settings settings, Snapshot<S> snapshot, Pass<S> pass) {
        this(lock, settings, ReconcileLoop::completeFromTheStart, snapshot, pass);
    }

    private static boolean completeFromTheStart() {
        return true;
    }

    public void start() {
        Thread.Builder b = settings.platform() ? Thread.ofPlatform().daemon() : Thread.ofVirtual();
        lock.lock();
        try {
            if (thread == null && !closed) {
                thread = b.name(settings.name()).start(this::run);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The desired state changed: a pass follows (once {@code ready} holds). */
    public void kick() {
        lock.lock();
        try {
            owe();
            dirty = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The cached view of the kernel may be wrong (lost events, links changed): the next pass re-reads it. */
    public void resync() {
        lock.lock();
        try {
            owe();
            resync = true;
            dirty = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: a kick to an idle, ready loop starts the clock its liveness is measured by. */
    private void owe() {
        if (!dirty && !owing && thread != null && ready.getAsBoolean()) {
            owing = true;
            owedSince = System.nanoTime();
        }
    }

    /**
     * Since when (System.nanoTime) this loop has owed progress: a pass in progress, work it was kicked for and
     * has not taken up, or the thread's death; empty when it owes nothing. A liveness probe compares it with a
     * deadline: a wedged pass (a netlink call that never returns, a deadlock) or a dead thread shows here.
     */
    public OptionalLong stalledSince() {
        lock.lock();
        try {
            if (died) {
                return OptionalLong.of(diedAt);
            }
            if (inPass) {
                return OptionalLong.of(passStartedAt);
            }
            return owing ? OptionalLong.of(owedSince) : OptionalLong.empty();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the loop after the pass in progress, if any; waits up to 5 s for it. Must not be called by a pass. */
    @Override
    public void close() {
        Thread t;
        lock.lock();
        try {
            closed = true;
            wake.signalAll();
            t = thread;
        } finally {
            lock.unlock();
        }
        if (t != null) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        try {
            loop();
        } finally {
            lock.lock();
            try {
                if (!closed) {
                    died = true;
                    diedAt = System.nanoTime();
                    LOG.log(System.Logger.Level.ERROR, settings.name() + " thread ended");
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private void loop() {
        long resyncNanos = settings.resyncEvery().toNanos();
        long nextResync = System.nanoTime() + resyncNanos;
        while (true) {
            S s;
            lock.lock();
            try {
                while (!closed && !(dirty && ready.getAsBoolean())) {
                    if (resyncNanos <= 0) {
                        wake.await();
                        continue;
                    }
                    long wait = nextResync - System.nanoTime();
                    if (wait <= 0) {
                        resync = true;
                        dirty = true;
                        nextResync = System.nanoTime() + resyncNanos;
                        continue;
                    }
                    wake.awaitNanos(wait);
                }
                if (closed) {
                    return;
                }
                boolean full = resync;
                resync = false;
                dirty = false;
                owing = false;
                passStartedAt = System.nanoTime();
                inPass = true;
                s = snapshot.take(full);
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            boolean ok;
            try {
                ok = pass.apply(s);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, settings.name() + " pass failed: " + e, e);
                ok = false;
            } finally {
                inPass = false;
            }
            if (!ok) {
                lock.lock();
                try {
                    resync = true;
                    dirty = true;
                    if (!closed) {
                        wake.awaitNanos(settings.retryAfter().toNanos()); // retry soon, not in a hot loop
                    }
                } catch (InterruptedException e) {
                    return;
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
