package dev.viaduct.netlink.ffm;

/**
 * A system call failed: which call (with its salient argument) and the {@code errno} it set. The caller
 * above this package turns it into a {@code NetlinkException} that names the operation.
 */
public final class ErrnoException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;
    private final String call;

    public ErrnoException(String call, int errno) {
        super(call + ": " + Errno.describe(errno) + " (" + Errno.name(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The errno value, e.g. 17 for EEXIST. */
    public int errno() {
        return errno;
    }

    /** The failed call, e.g. {@code "setns(fd 12, CLONE_NEWNET)"}. */
    public String call() {
        return call;
    }
}
