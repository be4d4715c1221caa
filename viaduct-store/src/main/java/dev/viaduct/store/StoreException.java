package dev.viaduct.store;

/**
 * A datastore operation failed. {@link #reason()} says how, so callers can react: {@link #tryAgain()} is
 * true when the store was unreachable, timed out or had no leader (a CNI plugin answers error code 11,
 * "try again later"); the other reasons will not go away by retrying.
 *
 * <p>A timed-out write may still have been applied: callers of compare-and-swap transactions must treat
 * the outcome as unknown and re-read (IPAM does, and a retried assign for the same handle finds it).
 */
public final class StoreException extends RuntimeException {
    /** How an operation failed. */
    public enum Reason {
        /** Unreachable, timed out, no leader, leader changed: retry later. */
        UNAVAILABLE,
        /** Authentication failed or permission denied. */
        AUTH,
        /** The request was refused (too large, invalid, lease not found, ...). */
        REJECTED,
        /** A stored value cannot be decoded. */
        CORRUPT,
        /** The datastore was closed. */
        CLOSED,
        /** Anything else (a bug or an unexpected server answer). */
        INTERNAL
    }

    private final Reason reason;

    public StoreException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public StoreException(Reason reason, String message) {
        this(reason, message, null);
    }

    public Reason reason() {
        return reason;
    }

    /** True for transient failures (unreachable, timeout, no leader): try again later. */
    public boolean tryAgain() {
        return reason == Reason.UNAVAILABLE;
    }
}
