package dev.viaduct.store;

/** A running prefix watch. */
public interface Watch extends AutoCloseable {
    /** The store revision of the last event (or re-list) delivered; the watch resumes after it. */
    long lastRevision();

    /** Stops the watch; no event is delivered after this returns. Idempotent. */
    @Override
    void close();

    /** Receives the events of one watch, one at a time, in revision order, on the watch's own thread. */
    @FunctionalInterface
    interface Listener {
        void onEvent(WatchEvent event);
    }
}
