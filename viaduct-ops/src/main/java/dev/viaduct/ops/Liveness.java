package dev.viaduct.ops;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * What {@code /healthz} answers: whether every long-running loop of the process makes progress. Each loop
 * reports since when it has owed progress (a pass, a batch or an event delivery in progress, work it was
 * given and has not taken up, its thread's death) — empty while it waits with nothing owed. A loop that has
 * owed progress for longer than the deadline is wedged, and a liveness probe that fails restarts the process.
 *
 * <p>Deliberately not here: whether the datastore or a peer answers. A retrying watch or a reconnecting
 * link is making progress; restarting every agent of a cluster because etcd is away would only add a
 * thundering herd. That is readiness ({@code /readyz}).
 *
 * <p>Thread-safe: loops register at start; probes read the loops' volatile state.
 */
public final class Liveness {
    /** Since when (System.nanoTime) a loop has owed progress; empty when it owes none. */
    @FunctionalInterface
    public interface Stall {
        OptionalLong since();
    }

    private record Loop(String name, Supplier<Duration> deadline, Stall stall) {
    }

    private final List<Loop> loops = new CopyOnWriteArrayList<>();

    /** Watches a loop; {@code deadline} is read at every check, so a configuration change applies at once. */
    public void register(String name, Supplier<Duration> deadline, Stall stall) {
        loops.add(new Loop(name, deadline, stall));
    }

    /** One line per wedged loop ("route-reconciler: no progress for 61.2 s (deadline 60 s)"); empty when all are fine. */
    public List<String> failures(long nowNanos) {
        List<String> out = new ArrayList<>();
        for (Loop l : loops) {
            OptionalLong since = l.stall().since();
            if (since.isEmpty()) {
                continue;
            }
            long owed = nowNanos - since.getAsLong();
            Duration deadline = l.deadline().get();
            if (owed > deadline.toNanos()) {
                out.add(String.format("%s: no progress for %.1f s (deadline %d s)", l.name(), owed / 1e9, deadline.toSeconds()));
            }
        }
        return out;
    }

    /** The names of the loops watched, in registration order (for {@code /status}). */
    public List<String> names() {
        return loops.stream().map(Loop::name).toList();
    }
}
