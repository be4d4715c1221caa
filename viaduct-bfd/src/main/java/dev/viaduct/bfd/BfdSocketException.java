package dev.viaduct.bfd;

import java.io.IOException;

/**
 * A socket call failed: names the call and what it was for, and carries the {@code errno} (for example
 * {@code bind(10.0.0.1:3784): Cannot assign requested address (errno 99)} when the local address is not
 * configured on this node).
 */
public final class BfdSocketException extends IOException {
    private final String operation;
    private final int errno;

    BfdSocketException(String operation, int errno) {
        super(operation + ": " + Libc.strerror(errno) + " (errno " + errno + ")");
        this.operation = operation;
        this.errno = errno;
    }

    /** The failed call and its subject, e.g. {@code bind(10.0.0.1:3784)}. */
    public String operation() {
        return operation;
    }

    /** The Linux errno value. */
    public int errno() {
        return errno;
    }
}
