package dev.viaduct.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Outcome of a {@link Txn}: whether the comparisons held, the store revision after it (a transaction that
 * wrote nothing does not advance it), and the results of the {@link Txn.Op.Get}s of the branch that ran, in
 * order (empty when the key was absent).
 */
public record TxnResult(boolean succeeded, long revision, List<Optional<KeyValue>> gets) {
    public TxnResult {
        gets = List.copyOf(gets);
    }

    /** The branch's reads by key (absent keys are left out). */
    public Map<String, KeyValue> getsByKey() {
        var m = new java.util.LinkedHashMap<String, KeyValue>();
        for (Optional<KeyValue> g : gets) {
            g.ifPresent(kv -> m.put(kv.key(), kv));
        }
        return m;
    }
}
