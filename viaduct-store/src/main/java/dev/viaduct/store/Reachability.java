package dev.viaduct.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether a store answers, as its client last experienced it. It is <em>known unreachable</em> from the first
 * request that failed as {@link StoreException.Reason#UNAVAILABLE} — refused, reset, no leader, or no answer
 * within the request's deadline: a hung member (a partition, a SIGSTOPped etcd) keeps its TCP connections and
 * answers nothing, so only a deadline tells — until the next request that succeeds. Callers that would rather
 * fail at once than spend a deadline on a store that is away (a CNI ADD, which the runtime retries) ask
 * {@link #unreachable(Duration)}; while the store is away that runs a probe (one at a time, shared by
 * concurrent callers, at most one per {@link #PROBE_INTERVAL}) and waits a little for it, so the first call
 * after the store is back finds it back.
 *
 * <p>Concurrency: thread-safe; the state is one volatile reference, the probe in flight one atomic one.
 */
public final class Reachability {
    /** How often a store known unreachable is asked again, at most. */
    public static final Duration PROBE_INTERVAL = Duration.ofMillis(250);

    /** Why the store is unreachable and since when. */
    public record Down(String reason, Instant since) {
    }

    /** One cheap request (etcd: a count-only range) that throws {@link StoreException} when the store does not answer. */
    @FunctionalInterface
    public interface Probe {
        void run();
    }

    private final Probe probe;
    private volatile Down down;
    private final AtomicReference<CompletableFuture<Void>> probing = new AtomicReference<>();
    private volatile long lastProbeNanos;

    public Reachability(Probe probe) {
        this.probe = probe;
    }

    /** A request succeeded: the store answers. */
    public void succeeded() {
        if (down != null) {
            down = null;
        }
    }

    /** A request failed; only {@link StoreException#tryAgain()} failures make the store unreachable. */
    public void failed(StoreException e) {
        if (e.tryAgain() && down == null) {
            down = new Down(e.getMessage(), Instant.now());
        }
    }

    /** The current knowledge, without asking the store. */
    public Optional<Down> down() {
        return Optional.ofNullable(down);
    }

    /**
     * Empty when the store answers; otherwise why it is unreachable, after a probe (started now unless one
     * ran within {@link #PROBE_INTERVAL}) was given up to {@code wait} to find it back.
     */
    public Optional<Down> unreachable(Duration wait) {
        if (down == null) {
            return Optional.empty();
        }
        CompletableFuture<Void> p = probing.get();
        if (p == null && System.nanoTime() - lastProbeNanos >= PROBE_INTERVAL.toNanos()) {
            CompletableFuture<Void> mine = new CompletableFuture<>();
            if (probing.compareAndSet(null, mine)) {
                lastProbeNanos = System.nanoTime();
                Thread.ofVirtual().name("store-probe").start(() -> {
                    try {
                        probe.run();
                        succeeded();
                    } catch (StoreException e) {
                        failed(e);
                    } catch (RuntimeException e) {
                        // a probe that breaks tells nothing new: the store stays as it was
                    } finally {
                        probing.set(null);
                        mine.complete(null);
                    }
                });
                p = mine;
            } else {
                p = probing.get();
            }
        }
        if (p != null && !wait.isZero()) {
            try {
                p.get(wait.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // still probing (a hung store): it stays unreachable for this caller
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return Optional.ofNullable(down);
    }
}
