package dev.viaduct.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One key as the store holds it, with etcd's revisions: {@code createRevision} (the store revision that
 * created it), {@code modRevision} (the last one that changed it: the value compare-and-swap transactions
 * compare), {@code version} (number of changes since creation) and the lease it is attached to (0: none).
 * The value array is not copied; treat it as immutable.
 */
public record KeyValue(String key, byte[] value, long createRevision, long modRevision, long version, long leaseId) {
    public KeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    /** The value decoded as UTF-8. */
    public String valueUtf8() {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValue kv && key.equals(kv.key) && Arrays.equals(value, kv.value)
                && createRevision == kv.createRevision && modRevision == kv.modRevision && version == kv.version
                && leaseId == kv.leaseId;
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, Arrays.hashCode(value), modRevision);
    }

    @Override
    public String toString() {
        return "KeyValue[key=" + key + ", modRevision=" + modRevision + ", createRevision=" + createRevision
                + ", version=" + version + ", lease=" + leaseId + ", value=" + value.length + " bytes]";
    }
}
