package dev.viaduct.bfd;

import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.ErrnoIOException;

/**
 * A socket call failed: names the call and what it was for, and carries the {@code errno} (for example
 * {@code bind(10.0.0.1:3784): Cannot assign requested address (errno 99)} when the local address is not
 * configured on this node).
 */
public final class BfdSocketException extends ErrnoIOException {
    private static final long serialVersionUID = 1L;

    BfdSocketException(String operation, int errno) {
        super(operation, errno, null);
    }

    private BfdSocketException(String operation, ErrnoException cause) {
        super(operation, cause.errno(), cause);
    }

    /** {@code cause}'s errno, for {@code operation} (which says what the call was for). */
    static BfdSocketException of(String operation, ErrnoException cause) {
        return new BfdSocketException(operation, cause);
    }
}
