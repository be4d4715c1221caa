package dev.viaduct.sys.libc;

/**
 * A libc call failed: which call (with its salient argument), the {@code errno} it set and the C library's
 * text for it, e.g. {@code close(fd -1): Bad file descriptor (EBADF)}. Modules with their own failure type
 * (a netlink request, a BFD or BGP socket) keep this as the cause and add what the call was for.
 */
public final class ErrnoException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;
    private final String operation;

    public ErrnoException(String operation, int errno) {
        super(operation + ": " + Errno.describe(errno) + " (" + Errno.name(errno) + ")");
        this.operation = operation;
        this.errno = errno;
    }

    /** The errno value, e.g. 9 for EBADF. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code "EBADF"}. */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** The C library's text for the errno, e.g. {@code "Bad file descriptor"}. */
    public String description() {
        return Errno.describe(errno);
    }

    /** The failed call, e.g. {@code "setns(fd 12)"}. */
    public String operation() {
        return operation;
    }
}
