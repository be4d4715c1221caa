package dev.viaduct.sys.libc;

import java.io.IOException;

/**
 * A libc call failed, as the checked {@link IOException} a socket API throws (the contract {@code java.net}
 * callers expect): what the call was for and the {@code errno}, e.g.
 * {@code bind(10.0.0.1:3784): Cannot assign requested address (errno 99)}. Modules subclass it to give their
 * callers one type to catch (BFD's and the BGP transport's socket exceptions); the {@link ErrnoException} the
 * call threw, if any, is the cause.
 */
public abstract class ErrnoIOException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String operation;
    private final int errno;

    protected ErrnoIOException(String operation, int errno, ErrnoException cause) {
        super(operation + ": " + Errno.describe(errno) + " (errno " + errno + ")", cause);
        this.operation = operation;
        this.errno = errno;
    }

    /** The failed call and its subject, e.g. {@code bind(10.0.0.1:179)}. */
    public String operation() {
        return operation;
    }

    /** The Linux errno value. */
    public int errno() {
        return errno;
    }
}
