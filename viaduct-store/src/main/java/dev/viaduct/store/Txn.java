package dev.viaduct.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A compare-and-swap transaction, as etcd's {@code Txn}: if every comparison in {@code when} holds, the
 * {@code then} operations run, otherwise the {@code otherwise} operations; atomically, in one round trip,
 * at one new store revision. A {@link Op.Get} in a branch returns the key as of that revision, which lets a
 * failed compare-and-swap fetch the current value without a second round trip.
 */
public record Txn(List<Compare> when, List<Op> then, List<Op> otherwise) {
    public Txn {
        when = List.copyOf(when);
        then = List.copyOf(then);
        otherwise = List.copyOf(otherwise);
    }

    /** A condition on one key. */
    public sealed interface Compare {
        String key();

        /**
         * The key's {@code mod_revision} equals {@code revision}; 0 means the key does not exist (etcd treats
         * a missing key's mod_revision as 0).
         */
        record ModRevision(String key, long revision) implements Compare {
            public ModRevision {
                Objects.requireNonNull(key, "key");
                if (revision < 0) {
                    throw new IllegalArgumentException("revision must be >= 0, got " + revision);
                }
            }
        }
    }

    /** An operation in a branch. */
    public sealed interface Op {
        String key();

        /** Writes {@code value}; {@code leaseId} 0 for none. */
        record Put(String key, byte[] value, long leaseId) implements Op {
            public Put {
                Objects.requireNonNull(key, "key");
                Objects.requireNonNull(value, "value");
            }
        }

        /** Deletes the key (no-op when absent). */
        record Delete(String key) implements Op {
            public Delete {
                Objects.requireNonNull(key, "key");
            }
        }

        /** Reads the key; its result lands in {@link TxnResult#gets()}. */
        record Get(String key) implements Op {
            public Get {
                Objects.requireNonNull(key, "key");
            }
        }
    }

    /** Starts building a transaction. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects comparisons and operations. */
    public static final class Builder {
        private final List<Compare> when = new ArrayList<>();
        private final List<Op> then = new ArrayList<>();
        private final List<Op> otherwise = new ArrayList<>();

        private Builder() {
        }

        /** Requires {@code key}'s mod_revision to be {@code revision} (0: absent). */
        public Builder ifModRevision(String key, long revision) {
            when.add(new Compare.ModRevision(key, revision));
            return this;
        }

        /** Requires {@code key} to be absent. */
        public Builder ifAbsent(String key) {
            return ifModRevision(key, 0);
        }

        public Builder put(String key, byte[] value) {
            then.add(new Op.Put(key, value, 0));
            return this;
        }

        public Builder put(String key, byte[] value, long leaseId) {
            then.add(new Op.Put(key, value, leaseId));
            return this;
        }

        public Builder delete(String key) {
            then.add(new Op.Delete(key));
            return this;
        }

        /** Reads {@code key} when the comparisons hold. */
        public Builder get(String key) {
            then.add(new Op.Get(key));
            return this;
        }

        /** Reads {@code key} when a comparison fails (to retry without another round trip). */
        public Builder elseGet(String key) {
            otherwise.add(new Op.Get(key));
            return this;
        }

        public Builder elsePut(String key, byte[] value) {
            otherwise.add(new Op.Put(key, value, 0));
            return this;
        }

        public Txn build() {
            return new Txn(when, then, otherwise);
        }
    }
}
