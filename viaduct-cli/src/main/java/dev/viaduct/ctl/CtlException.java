package dev.viaduct.ctl;

/**
 * Why a {@code viaduct ctl} command could not do its job, with the exit code scripts see: {@link #UNREACHABLE}
 * when etcd or an agent did not answer, {@link #PROBLEM} when the request itself is impossible (an address in
 * no pool, a node that does not exist). Findings about the cluster (a broken path, routes that differ) are not
 * exceptions: they are reports whose exit code is {@link #PROBLEM}.
 */
public final class CtlException extends RuntimeException {
    /** All is well. */
    public static final int OK = 0;
    /** A problem was found (broken path, differing routes, inconsistent IPAM), or the request named nothing. */
    public static final int PROBLEM = 1;
    /** Bad command line (picocli's usage errors use the same code). */
    public static final int USAGE = 2;
    /** etcd or an agent could not be reached (or answered something that is not its API). */
    public static final int UNREACHABLE = 3;

    private final int exitCode;

    public CtlException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CtlException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    public static CtlException unreachable(String message, Throwable cause) {
        return new CtlException(UNREACHABLE, message, cause);
    }

    public static CtlException problem(String message) {
        return new CtlException(PROBLEM, message);
    }
}
