package dev.viaduct.testsupport;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline, instead of sleeping and hoping. The probe is called at growing
 * intervals (5 ms up to 200 ms); on timeout the error names what was awaited and the last value seen, so a
 * failing test says why.
 */
public final class Poll {
    private Poll() {
    }

    /** Polls {@code probe} until {@code done} accepts its value; returns that value. */
    public static <T> T until(String what, Duration timeout, Supplier<T> probe, Predicate<? super T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 5;
        T last = null;
        RuntimeException lastError = null;
        while (true) {
            try {
                last = probe.get();
                lastError = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (RuntimeException e) {
                lastError = e;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                AssertionError failure = new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for "
                        + what + (lastError == null ? "; last value: " + Objects.toString(last)
                                : "; last probe failed: " + lastError));
                if (lastError != null) {
                    failure.initCause(lastError);
                }
                throw failure;
            }
            sleepQuietly(Math.min(pause, Math.max(1, left / 1_000_000)));
            pause = Math.min(200, pause * 2);
        }
    }

    /** Polls until {@code condition} holds. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, condition::getAsBoolean, Boolean::booleanValue);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while polling", e);
        }
    }
}
