package dev.viaduct.bgp.speaker;

import dev.viaduct.bgp.rib.Rib;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The one thread that owns the {@link Rib}. Others post work; the thread runs it in arrival order, in
 * batches: it drains what is queued (up to a bound), then flushes once, so a burst of UPDATEs produces
 * packed outbound UPDATEs and one batch of best-path events. It also fires the RIB's graceful-restart timers,
 * and after each batch it pushes the UPDATEs the batch queued to the sessions' sockets ({@link Outbox#push}), or
 * sooner: as soon as an outbox holds a whole gather ({@link Outbox#pushEarly}), or all of them together hold
 * {@link #BATCH_BYTES}.
 */
final class RibOwner {
    private static final Logger LOG = System.getLogger(RibOwner.class.getName());
    private static final int BATCH = 4096;

    private final Rib rib;
    private final LongSupplier clock;
    private final LinkedBlockingQueue<Consumer<Rib>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    /** Clock value at which the batch in progress started, while {@code inBatch}: what liveness is measured by. */
    private volatile long batchStartedAt;
    private volatile boolean inBatch;
    private volatile long endedAt;
    /** Outboxes the current batch queued UPDATEs to; RIB thread only. */
    private final java.util.ArrayList<Outbox> toPush = new java.util.ArrayList<>();
    /**
     * Bytes queued to all outboxes since the last push of them all; at {@link #BATCH_BYTES} they are pushed before
     * the batch ends (RIB thread only). A flush that sends one reflected route to each of 1,000 clients queues
     * less than a gather per outbox, so no single outbox is {@link Outbox#full}, and held to the batch's end those
     * were a queue node per message per client (in a herd, ~165k nodes live at once); pushed as they accumulate,
     * each client's UPDATEs still go out in one send(2).
     */
    private int batchBytes;
    private static final int BATCH_BYTES = 64 * 1024;
    /** The pushes' gather buffer; RIB thread only. */
    private final byte[] gather = new byte[Outbox.GATHER];

    RibOwner(Rib rib, LongSupplier clock) {
        this.rib = rib;
        this.clock = clock;
        this.thread = Thread.ofPlatform().name("bgp-rib").daemon(true).start(this::loop);
    }

    /** Queues an UPDATE the RIB sends; on the RIB thread only (the sessions' {@code RibPeer.Session.out}). */
    void send(Outbox q, byte[] message) {
        if (q.queue(message)) {
            toPush.add(q);
        }
        if (q.full()) {
            q.pushEarly(gather);
        }
        batchBytes += message.length;
        if (batchBytes >= BATCH_BYTES) {
            pushAll();
        }
    }

    /** Pushes every outbox the batch queued to since the last push (RIB thread only). */
    private void pushAll() {
        for (Outbox q : toPush) {
            q.push(gather);
        }
        toPush.clear();
        batchBytes = 0;
    }

    void post(Consumer<Rib> work) {
        queue.add(work);
    }

    /** Runs {@code f} on the RIB thread and waits for its result (snapshots for status and tests). */
    <T> T call(Function<Rib, T> f) {
        CompletableFuture<T> result = new CompletableFuture<>();
        post(r -> {
            try {
                result.complete(f.apply(r));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the RIB thread", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the RIB thread did not answer within 30 s", e);
        }
    }

    /**
     * Since when (on the speaker's clock) the RIB thread has been busy with one batch of work, or has been gone
     * while the speaker runs; empty when it is waiting for work. A liveness probe compares it with a deadline: a
     * wedged listener or an endless loop in a decision shows here.
     */
    java.util.OptionalLong stalledSince() {
        if (running && !thread.isAlive()) {
            return java.util.OptionalLong.of(endedAt);
        }
        return inBatch ? java.util.OptionalLong.of(batchStartedAt) : java.util.OptionalLong.empty();
    }

    void stop() {
        running = false;
        post(r -> {
        });
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        try {
            serve();
        } finally {
            endedAt = clock.getAsLong();
        }
    }

    private void serve() {
        while (running) {
            try {
                long deadline = rib.nextDeadline();
                long now = clock.getAsLong();
                long waitNanos = deadline == Long.MAX_VALUE ? TimeUnit.SECONDS.toNanos(1) : Math.max(0, deadline - now);
                Consumer<Rib> first = queue.poll(Math.min(waitNanos, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
                batchStartedAt = clock.getAsLong();
                inBatch = true;
                if (first != null) {
                    run(first);
                    Consumer<Rib> next;
                    int n = 1;
                    while (n < BATCH && (next = queue.poll()) != null) {
                        run(next);
                        n++;
                    }
                }
                rib.onTimers(clock.getAsLong());
                rib.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "event=rib-error", e);
            } finally {
                pushAll();
                inBatch = false;
            }
        }
    }

    private void run(Consumer<Rib> work) {
        try {
            work.accept(rib);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "event=rib-command-failed", e);
        }
    }
}
