package dev.viaduct.ipam;

/**
 * An IPAM operation failed; {@link #reason()} says why and the message says what, naming the address,
 * handle, pool or field. {@link #tryAgain()} is true for failures that a retry may fix (write conflicts
 * that outlasted the bounded retries, an unreachable store): a CNI plugin answers error code 11.
 */
public final class IpamException extends RuntimeException {
    /** Why an operation failed. */
    public enum Reason {
        /** No free address (or block) for the request. */
        EXHAUSTED,
        /** A static address is already held by another handle. */
        ADDRESS_TAKEN,
        /** A static address (or a release) is outside every pool. */
        NOT_IN_POOL,
        /** A static address is in a reserved range. */
        RESERVED,
        /** A pool operation conflicts with existing pools or allocations. */
        POOL_CONFLICT,
        /** Something named does not exist. */
        NOT_FOUND,
        /** Bad input (handle, node, attributes, pool fields). */
        INVALID,
        /** Other writers kept changing the same keys; bounded retries ran out. Try again. */
        CONFLICT,
        /** The store is unreachable or timed out. Try again. */
        UNAVAILABLE,
        /** A stored record cannot be decoded. */
        CORRUPT,
        /** Any other store failure. */
        STORE
    }

    private final Reason reason;

    public IpamException(Reason reason, String message) {
        this(reason, message, null);
    }

    public IpamException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** True when retrying later may succeed (CNI error code 11). */
    public boolean tryAgain() {
        return reason == Reason.CONFLICT || reason == Reason.UNAVAILABLE;
    }
}
