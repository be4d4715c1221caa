package dev.viaduct.testsupport;

import java.lang.management.ManagementFactory;

/**
 * The bounds every fuzz target puts on one input, the same in the corpus replay of the test command and under
 * the fuzzer ({@code bench/fuzz/run}).
 *
 * <p>Time: targets carry {@code @Timeout(FuzzBounds.SECONDS_PER_INPUT)}; JUnit enforces it per corpus input,
 * and Jazzer passes it to libFuzzer as {@code -timeout}, which reports a stuck input as a finding with the
 * thread's stack.
 *
 * <p>Memory: {@link #within} counts the bytes the current thread allocates while one input is decoded, from
 * the JVM's per-thread allocation counter ({@code com.sun.management.ThreadMXBean}). A decoder that sizes a
 * buffer from a length field it has not checked against the bytes actually present allocates far more than its
 * input; this turns that into an assertion failure at that input rather than an {@link OutOfMemoryError}
 * somewhere later. It counts allocation, not live memory, so it is deterministic up to the JIT removing
 * allocations (which only lowers it).
 */
public final class FuzzBounds {
    /**
     * Seconds one input may take: decoders take microseconds, so this only has to survive a loaded machine
     * (the first input of a replay loads and instruments the decoder's classes, which took 6 s at load 37 on
     * two cores; a fuzzer at nice 19 waits for the cores) and still catch an input that loops.
     */
    public static final long SECONDS_PER_INPUT = 60;

    /** Bytes one input may allocate: far above any decoder's honest work on a 64 KiB message, far below a heap. */
    public static final long BYTES_PER_INPUT = 64L << 20;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private FuzzBounds() {
    }

    /**
     * Runs {@code body}; fails if the thread allocated more than {@code maxBytes} while it ran. The first input
     * a JVM decodes also pays for loading, instrumenting and initialising the decoder's classes (tens of MB
     * under Jazzer's agent), so a run over the budget is repeated once and only the repeat is judged: a
     * decoder is a function of its input, so the repeat does the same work minus the one-time cost.
     */
    public static void within(long maxBytes, Runnable body) {
        long used = allocatedBy(body);
        if (used > maxBytes) {
            used = allocatedBy(body);
        }
        if (used > maxBytes) {
            throw new AssertionError("one input allocated " + used + " bytes, over the budget of " + maxBytes);
        }
    }

    private static long allocatedBy(Runnable body) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        body.run();
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    /** {@link #within(long, Runnable)} with {@link #BYTES_PER_INPUT}. */
    public static void within(Runnable body) {
        within(BYTES_PER_INPUT, body);
    }
}
