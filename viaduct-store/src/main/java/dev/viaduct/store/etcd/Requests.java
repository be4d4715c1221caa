package dev.viaduct.store.etcd;

import dev.viaduct.store.Txn;
import java.util.LinkedHashSet;

/**
 * What both etcd clients check about a request and say about it in errors. Kept apart from {@link EtcdDatastore}
 * so that {@link EtcdGatewayDatastore} links without jetcd's classes: {@code viaduct ctl}'s class path has none.
 */
final class Requests {
    private Requests() {
    }

    /** An empty prefix would cover the whole keyspace (etcd's range end {@code \0}). */
    static void requirePrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("prefix must not be empty (it would cover the whole keyspace)");
        }
    }

    /** The keys a transaction compares or writes, for error messages. */
    static String describe(Txn txn) {
        var keys = new LinkedHashSet<String>();
        txn.when().forEach(c -> keys.add(c.key()));
        txn.then().forEach(o -> keys.add(o.key()));
        return String.join(",", keys);
    }
}
