package dev.viaduct.store;

import java.time.Duration;

/**
 * A deadline for every store request made within a scope, shorter than the store's own request timeout: a
 * CNI ADD that finds the store hung must answer "try again" in a second or two, not after 10 s per request,
 * while the agent's other requests (a listing of every block) keep the longer timeout. The deadline is a
 * point in time, so however many requests the scope makes, together they end by it; a nested scope can only
 * shorten it. Stores that honour it: {@code EtcdDatastore}.
 *
 * <p>Concurrency: a {@link ScopedValue}, so it binds the calling thread only; work handed to another thread
 * (IPAM's group commit served by another caller) runs under that thread's deadline.
 */
public final class RequestDeadline {
    private static final ScopedValue<Long> AT = ScopedValue.newInstance();

    private RequestDeadline() {
    }

    /** Runs {@code op} with every store request in it ending at most {@code budget} from now. */
    public static <T, X extends Throwable> T within(Duration budget, ScopedValue.CallableOp<T, X> op) throws X {
        long at = System.nanoTime() + budget.toNanos();
        if (AT.isBound() && AT.get() - at < 0) {
            at = AT.get();
        }
        return ScopedValue.where(AT, at).call(op);
    }

    /** How long a request may wait now: {@code timeout}, or less when the scope's deadline comes first. */
    public static Duration timeout(Duration timeout) {
        if (!AT.isBound()) {
            return timeout;
        }
        long left = Math.max(1_000_000, AT.get() - System.nanoTime()); // at least 1 ms: an expired scope still fails by timing out
        return left < timeout.toNanos() ? Duration.ofNanos(left) : timeout;
    }
}
