package dev.viaduct.store;

import java.time.Duration;

/**
 * A timeout for every store request made within a scope, shorter than the store's own request timeout: a
 * CNI ADD that finds the store hung must answer "try again" in a second or two, not after 10 s, while the
 * agent's other requests (a listing of every block) keep the longer timeout. It bounds each request, not the
 * scope as a whole: a caller that waited its turn in IPAM's group commit, or serves other callers' batches,
 * still gives each of its requests the full timeout, so a burst on a slow but working store does not fail.
 * A nested scope can only shorten it. Stores that honour it: {@code EtcdDatastore},
 * {@code EtcdGatewayDatastore}.
 *
 * <p>Concurrency: a {@link ScopedValue}, so it binds the calling thread only; work handed to another thread
 * (IPAM's group commit served by another caller) runs under that thread's timeout.
 */
public final class RequestTimeout {
    private static final ScopedValue<Duration> AT_MOST = ScopedValue.newInstance();

    private RequestTimeout() {
    }

    /** Runs {@code op} with every store request in it waiting at most {@code perRequest}. */
    public static <T, X extends Throwable> T within(Duration perRequest, ScopedValue.CallableOp<T, X> op) throws X {
        Duration d = AT_MOST.isBound() && AT_MOST.get().compareTo(perRequest) < 0 ? AT_MOST.get() : perRequest;
        return ScopedValue.where(AT_MOST, d).call(op);
    }

    /** How long a request may wait: {@code timeout}, or less when the scope says so. */
    public static Duration timeout(Duration timeout) {
        return AT_MOST.isBound() && AT_MOST.get().compareTo(timeout) < 0 ? AT_MOST.get() : timeout;
    }
}
