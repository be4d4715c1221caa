package dev.viaduct.store;

import java.util.List;

/**
 * What a prefix watch delivers. Each event carries the store revision it happened at; a watch delivers
 * revisions in increasing order, never the same event twice, and after a disconnect resumes right after the
 * last revision it delivered. When that revision has been compacted away, the history is lost: the watch
 * re-lists the prefix and delivers a {@link Resync} whose snapshot replaces everything the consumer knew.
 */
public sealed interface WatchEvent {
    /** Store revision this event is at. */
    long revision();

    /** A key was created or changed. */
    record Put(KeyValue kv) implements WatchEvent {
        @Override
        public long revision() {
            return kv.modRevision();
        }
    }

    /** A key was deleted (explicitly, or because its lease expired). */
    record Delete(String key, long revision) implements WatchEvent {
    }

    /**
     * The complete state of the prefix at {@code revision}: the consumer must rebuild from it (keys it knows
     * that are not in the snapshot are gone). Delivered when the resume revision was compacted, and first by
     * {@link Datastore#listAndWatch}.
     */
    record Resync(List<KeyValue> snapshot, long revision) implements WatchEvent {
        public Resync {
            snapshot = List.copyOf(snapshot);
        }
    }
}
