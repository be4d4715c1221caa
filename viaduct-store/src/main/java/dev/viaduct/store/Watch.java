package dev.viaduct.store;

/** A running prefix watch. */
public interface Watch extends AutoCloseable {
    /** The store revision of the last event (or re-list) delivered; the watch resumes after it. */
    long lastRevision();

    /**
     * Since when (System.nanoTime) this watch's thread has been busy delivering one event (or handling one
     * response or error of the store); empty while it waits. A listener that never returns wedges the watch:
     * nothing after it is delivered. Liveness probes compare this with a deadline.
     */
    java.util.OptionalLong stalledSince();

    /** Stops the watch; no event is delivered after this returns. Idempotent. */
    @Override
    void close();

    /** Receives the events of one watch, one at a time, in revision order, on the watch's own thread. */
    @FunctionalInterface
    interface Listener {
        void onEvent(WatchEvent event);
    }
}
