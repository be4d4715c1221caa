package dev.viaduct.netlink;

import dev.viaduct.sys.libc.Errno;

/**
 * A netlink request (or the system call behind it) failed. The message names the request in {@code ip}
 * syntax, the errno and the kernel's extended-ACK text, e.g.
 * {@code route add 10.244.1.0/24 via 10.168.0.3: File exists (EEXIST)} or
 * {@code route add 10.9.0.0/16 via 10.1.1.1: Network is unreachable (ENETUNREACH; kernel: Nexthop has invalid gateway)}.
 *
 * <p>The common outcomes have their own subclasses so callers can react without comparing numbers:
 * {@link AlreadyExists} (EEXIST), {@link NotFound} (ENOENT, ESRCH, ENODEV, EADDRNOTAVAIL: no such route,
 * device, address or entry) and {@link Unsupported} (EOPNOTSUPP, EAFNOSUPPORT, EPROTONOSUPPORT: e.g. a link
 * kind this kernel lacks).
 */
public sealed class NetlinkException extends RuntimeException
        permits NetlinkException.AlreadyExists, NetlinkException.NotFound, NetlinkException.Unsupported {
    private static final long serialVersionUID = 1L;
    private final int errno;
    private final String operation;
    private final String kernelMessage;

    NetlinkException(String operation, int errno, String kernelMessage, Throwable cause) {
        super(operation + ": " + Errno.describe(errno) + " (" + Errno.name(errno)
                + (kernelMessage == null || kernelMessage.isBlank() ? "" : "; kernel: " + kernelMessage) + ")", cause);
        this.operation = operation;
        this.errno = errno;
        this.kernelMessage = kernelMessage;
    }

    /** The right subclass for {@code errno}. */
    static NetlinkException of(String operation, int errno, String kernelMessage) {
        return of(operation, errno, kernelMessage, null);
    }

    static NetlinkException of(String operation, int errno, String kernelMessage, Throwable cause) {
        return switch (errno) {
            case Errno.EEXIST -> new AlreadyExists(operation, errno, kernelMessage, cause);
            case Errno.ENOENT, Errno.ESRCH, Errno.ENODEV, Errno.EADDRNOTAVAIL ->
                    new NotFound(operation, errno, kernelMessage, cause);
            case Errno.EOPNOTSUPP, Errno.EAFNOSUPPORT, Errno.EPROTONOSUPPORT ->
                    new Unsupported(operation, errno, kernelMessage, cause);
            default -> new NetlinkException(operation, errno, kernelMessage, cause);
        };
    }

    /** The errno, e.g. 17. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code EEXIST}. */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** The failed operation in {@code ip} syntax, e.g. {@code route add 10.244.1.0/24 via 10.168.0.3}. */
    public String operation() {
        return operation;
    }

    /** The kernel's extended-ACK message (NLMSGERR_ATTR_MSG), or null if it gave none. */
    public String kernelMessage() {
        return kernelMessage;
    }

    /** EEXIST: the route, address, link or entry is already there. */
    public static final class AlreadyExists extends NetlinkException {
        private static final long serialVersionUID = 1L;

        AlreadyExists(String operation, int errno, String kernelMessage, Throwable cause) {
            super(operation, errno, kernelMessage, cause);
        }
    }

    /** The object named by the request does not exist (no such route, device, address, entry or table). */
    public static final class NotFound extends NetlinkException {
        private static final long serialVersionUID = 1L;

        NotFound(String operation, int errno, String kernelMessage, Throwable cause) {
            super(operation, errno, kernelMessage, cause);
        }
    }

    /** The kernel does not support what was asked (a link kind it lacks, an address family). */
    public static final class Unsupported extends NetlinkException {
        private static final long serialVersionUID = 1L;

        Unsupported(String operation, int errno, String kernelMessage, Throwable cause) {
            super(operation, errno, kernelMessage, cause);
        }
    }
}
