package dev.viaduct.ipam;

import dev.viaduct.ipam.IpamException.Reason;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A request queued for group commit ({@link GroupCommit}, {@link GroupRelease}) and, once whoever holds the
 * facade's lock served it, its outcome: the caller waits on it without the lock.
 *
 * <p>Concurrency: completed once by the serving thread, read by the waiting one (a latch and volatile fields).
 */
class Served<T> {
    private final String what;
    private final CountDownLatch served = new CountDownLatch(1);
    private volatile T result;
    private volatile IpamException failure;

    /** @param what the request in error messages, e.g. {@code assign h1} */
    Served(String what) {
        this.what = what;
    }

    final boolean done() {
        return served.getCount() == 0;
    }

    final void succeed(T r) {
        result = r;
        served.countDown();
    }

    final void fail(IpamException e) {
        failure = e;
        served.countDown();
    }

    /** Waits a little for someone else to serve this request; true if it was. */
    final boolean await() {
        try {
            return served.await(20, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpamException(Reason.UNAVAILABLE, what + ": interrupted; try again", e);
        }
    }

    final T outcome() {
        if (failure != null) {
            // a fresh exception for this caller's stack; the original (possibly another thread's) as cause
            throw new IpamException(failure.reason(), failure.getMessage(), failure);
        }
        return result;
    }
}
