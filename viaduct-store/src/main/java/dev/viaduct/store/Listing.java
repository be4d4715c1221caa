package dev.viaduct.store;

import java.util.List;

/**
 * The keys under a prefix (sorted by key) as of one store revision. Watching from {@code revision + 1}
 * afterwards sees every later change and nothing twice.
 */
public record Listing(List<KeyValue> kvs, long revision) {
    public Listing {
        kvs = List.copyOf(kvs);
    }
}
