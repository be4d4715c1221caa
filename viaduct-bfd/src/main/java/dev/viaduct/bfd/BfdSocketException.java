package dev.viaduct.bfd;

import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.libc.ErrnoException;
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
        this(operation, errno, null);
    }

    private BfdSocketException(String operation, int errno, ErrnoException cause) {
        super(operation + ": " + Errno.describe(errno) + " (errno " + errno + ")", cause);
        this.operation = operation;
        this.errno = errno;
    }

    /** {@code cause}'s errno, for {@code operation} (which says what the call was for). */
    static BfdSocketException of(String operation, ErrnoException cause) {
        return new BfdSocketException(operation, cause.errno(), cause);
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
